#!/usr/bin/env bash
# compare.sh — Bulwark side by side with its peers (sony/gobreaker, failsafe-go,
# golang.org/x/time/rate, afex/hystrix-go, eapache/go-resiliency).
#
# Runs every side-by-side benchmark of this module (per call, serial and
# RunParallel) and the 10,000-goroutine closed-loop benchmarks, at -cpu 1,2
# with -benchmem, then prints:
#   1. benchstat tables, one column per implementation (Bulwark first);
#   2. a table of Bulwark / peer ratios of the medians (ns/op);
#   3. the closed-loop figures (ops/s, p50/p99/p999 of one call);
#   4. for scripts, one line per comparison, exactly:
#        ratio <pattern> vs <peer> cpu=<n> <x.xx>
#      Bulwark's median ns/op divided by the peer's, e.g.
#      "ratio circuitbreaker vs gobreaker cpu=2 0.87": RunParallel where both
#      have it (else the one mode, or Acquire+Release); another mode m of
#      the same pair is reported as pattern <pattern>-<m> (serial only in
#      the table).
#      and, for pairs that count Redis commands (redis-cmds/op), exactly:
#        throughput-ratio <pattern> vs <peer> cpu=<n> <x.xx>
#        redis-cmds-ratio <pattern> vs <peer> cpu=<n> <x.xxe-yy>
#      Bulwark's throughput over the peer's (the inverse of the ratio) and
#      its Redis commands per call over the peer's, e.g.
#      "throughput-ratio redisbreaker-4proc vs gobreaker cpu=2 760.00"
#      (BenchmarkRedisBreaker4Proc: four OS processes on one redis-server).
#   5. what one idle named instance of every stateful kind (circuitbreaker,
#      ratelimit, bulkhead, loadshed, backpressure, adaptive) costs, one
#      table per kind: bytes idle, goroutines, create, look-up (New of a name
#      that exists) and first call after idle (p99), Bulwark by default and
#      under engine.WithOnDemandActors beside gobreaker (breakers) and
#      failsafe-go (breakers, rate limiters, bulkheads, adaptive limiters)
#      (TestPerInstance), with lines, exactly:
#        instance-ratio <kind> <bulwark impl> vs <peer> bytes <x.xx>
#      and for the circuit breaker also the older form
#        instance-ratio <bulwark impl> vs <peer> bytes <x.xx>
#      Bulwark's idle bytes per instance over the peer's.
#
# Benchmarks are paired by name, in any of the forms the files use:
#   Benchmark<Pattern><Impl>/<mode>       (BenchmarkCircuitBreakerGobreaker/parallel)
#   Benchmark<Pattern><Impl><Op>          (BenchmarkBulkheadFailsafeTryAcquireRelease:
#                                          mode acquirerelease; Run and Execute pair)
#   Benchmark<Pattern>/<impl>[/<mode>]    (BenchmarkAdaptive/failsafe/parallel)
#   BenchmarkClosedLoop/<pattern>/<impl>  (pattern reported as <pattern>-closedloop)
# An implementation named bulwark-<x> is Bulwark's variant x: it is compared
# as pattern <pattern>-<x> with every peer of <pattern>.
#
# Environment: COUNT (default 5), BENCHTIME (200ms), CPU (1,2), BENCH (.),
# SHORT=1 for 1,000 closed-loop callers instead of 10,000, OUT (a directory
# to keep raw.txt, normalized.txt and report.txt in; default a temporary
# one), DOC (where a full run writes its report; default
# ../../docs/performance.md, empty for none).
# On 2 cores the default run takes about 8–10 minutes (BenchmarkRedisBreaker4Proc
# runs a 2 s window per run, whatever -benchtime).
set -euo pipefail
cd "$(dirname "$0")"

COUNT=${COUNT:-5}
BENCHTIME=${BENCHTIME:-200ms}
CPU=${CPU:-1,2}
BENCH=${BENCH:-.}
OUT=${OUT:-$(mktemp -d)}
mkdir -p "$OUT"

BENCHSTAT=$(command -v benchstat || true)
if [[ -z "$BENCHSTAT" ]]; then
  BENCHSTAT="$(go env GOPATH)/bin/benchstat"
  if [[ ! -x "$BENCHSTAT" ]]; then
    echo "compare.sh: installing benchstat" >&2
    go install golang.org/x/perf/cmd/benchstat@latest
  fi
fi

short=()
[[ -n "${SHORT:-}" ]] && short=(-short)

echo "# go test -run '^\$' -bench '$BENCH' -benchmem -cpu $CPU -count $COUNT -benchtime $BENCHTIME ${short[*]:-}" >&2
go test -run '^$' -bench "$BENCH" -benchmem -cpu "$CPU" -count "$COUNT" \
  -benchtime "$BENCHTIME" -timeout 30m "${short[@]}" . | tee "$OUT/raw.txt" >&2

# normalize: every result line becomes
#   <pattern> <impl> <mode> <cpu> <ns/op> <metric> <value> ...
# (ns/op first; the rest as printed).
awk '
function lower(s) { return tolower(s) }
function patname(p) {
  p = lower(p)
  sub(/hotkey$/, "", p)
  sub(/100kkeys$/, "-100kkeys", p)
  sub(/10kcallers$/, "-10kcallers", p)
  sub(/4proc$/, "-4proc", p)
  if (p == "composefull") p = "compose"
  sub(/^compose(.)/, "compose-&", p); sub(/^compose-compose/, "compose-", p)
  return p
}
/^Benchmark/ && $3 == "ns/op" || /^Benchmark/ && $4 == "ns/op" {
  name = $1; cpu = 1
  if (match(name, /-[0-9]+$/)) { cpu = substr(name, RSTART + 1); name = substr(name, 1, RSTART - 1) }
  sub(/^Benchmark/, "", name)
  n = split(name, c, "/")
  pat = ""; impl = ""; mode = "call"
  if (c[1] == "ClosedLoop" && n >= 3) {
    pat = lower(c[2]) "-closedloop"; impl = lower(c[3])
  } else if (match(c[1], /(Bulwark|Gobreaker|Failsafe|Hystrix|GoResiliency|Xtimerate|XTimeRate)/)) {
    # Benchmark<Pattern><Impl>[<Op>][/<mode>]: an operation names the mode
    pat = patname(substr(c[1], 1, RSTART - 1)); impl = lower(substr(c[1], RSTART, RLENGTH))
    op = lower(substr(c[1], RSTART + RLENGTH))
    sub(/^try/, "", op); if (op == "run") op = "execute"
    if (op != "") mode = op
    if (n >= 2) mode = (op != "" ? op "-" : "") c[2]
  } else if (n >= 2) {
    pat = patname(c[1]); impl = lower(c[2])
    if (n >= 3) mode = c[3]
  } else next
  # Bulwark variants: the default algorithm keeps the pattern name
  if (impl ~ /^bulwark-/) { v = substr(impl, 9); if (v != "aimd" && v != "gcra") pat = pat "-" v; impl = "bulwark" }
  else sub(/-.*/, "", impl)
  line = pat " " impl " " mode " " cpu
  for (i = 3; i <= NF; i += 2) line = line " " $i " " ($(i + 1) == "calls/s" ? "ops/s" : $(i + 1))
  print line
}' "$OUT/raw.txt" > "$OUT/normalized.txt"

# benchstat input: Benchmark<pattern>/impl=<impl>/mode=<mode>[-cpu], per call only.
awk '{
  cpu = ($4 == 1) ? "" : "-" $4
  mode = ($3 == "call") ? "" : "/mode=" $3
  printf "Benchmark%s/impl=%s%s%s 1", $1, $2, mode, cpu
  for (i = 5; i <= NF; i += 2) if ($(i+1) ~ /^(ns\/op|B\/op|allocs\/op)$/) printf " %s %s", $i, $(i+1)
  print ""
}' "$OUT/normalized.txt" > "$OUT/benchstat.txt"

{
echo
echo "== benchstat: one column per implementation (deltas are against Bulwark) =="
"$BENCHSTAT" -col /impl "$OUT/benchstat.txt" || true

# medians and ratios
awk '
function median(key,   n, i, j, t, a) {
  n = split(vals[key], a, " ")
  for (i = 2; i <= n; i++) { t = a[i] + 0; for (j = i - 1; j >= 1 && a[j] + 0 > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
  return (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
}
{
  k = $1 SUBSEP $2 SUBSEP $3 SUBSEP $4
  vals[k] = vals[k] " " $5
  for (i = 5; i <= NF; i += 2) metric[k, $(i+1)] = metric[k, $(i+1)] " " $i
  seen[k] = 1
  if ($2 == "bulwark") bul[k] = 1; else peer[$1, $2, $3, $4] = 1
}
END {
  printf "\n== Bulwark / peer, medians of ns/op (mode: parallel where both ran it) ==\n"
  printf "%-36s %-14s %-15s %4s %14s %14s %8s\n", "pattern", "peer", "mode", "cpu", "bulwark ns/op", "peer ns/op", "ratio"
  for (bk in bul) {
    split(bk, b, SUBSEP)
    for (pk in peer) {
      split(pk, p, SUBSEP)
      if (p[4] != b[4] || p[3] != b[3]) continue
      # a peer of <pattern> is compared with the Bulwark variant <pattern>-<x>
      # too, but never across workloads (closed loop, 10k callers, 100k keys)
      if (p[1] != b[1] && index(b[1], p[1] "-") != 1) continue
      if (p[1] != b[1] && b[1] ~ /-(closedloop|10kcallers|100kkeys|retrytimeout|4proc)$/) continue
      pm = median(pk); bm = median(bk)
      if (pm <= 0) continue
      mode = b[3]
      row = sprintf("%-36s %-14s %-15s %4s %14.1f %14.1f %8.2f", b[1], p[2], mode, b[4], bm, pm, bm / pm)
      rows[b[1] SUBSEP p[2] SUBSEP b[4] SUBSEP mode] = row
      r[b[1] SUBSEP p[2] SUBSEP b[4] SUBSEP mode] = bm / pm
    }
  }
  n = 0
  for (k in rows) keys[++n] = k
  for (i = 2; i <= n; i++) { t = keys[i]; for (j = i - 1; j >= 1 && keys[j] > t; j--) keys[j + 1] = keys[j]; keys[j + 1] = t }
  for (i = 1; i <= n; i++) print rows[keys[i]]

  printf "\n== closed loop: medians (ops/s; latency of one call in ns) ==\n"
  printf "%-36s %-14s %4s %12s %12s %12s %12s %10s\n", "pattern", "impl", "cpu", "ops/s", "p50-ns", "p99-ns", "p999-ns", "allocs/op"
  m = 0
  for (k in seen) if (metric[k, "p99-ns"] != "") ck[++m] = k
  for (i = 2; i <= m; i++) { t = ck[i]; for (j = i - 1; j >= 1 && ck[j] > t; j--) ck[j + 1] = ck[j]; ck[j + 1] = t }
  for (i = 1; i <= m; i++) {
    split(ck[i], c, SUBSEP)
    printf "%-36s %-14s %4s", c[1], c[2], c[4]
    split("ops/s p50-ns p99-ns p999-ns allocs/op", us, " ")
    for (x = 1; x <= 5; x++) {
      vals["tmp"] = metric[ck[i], us[x]]
      printf (x == 5 ? " %10s" : " %12s"), (vals["tmp"] == "" ? "-" : sprintf("%.0f", median("tmp")))
    }
    printf "\n"
  }

  # the lines for scripts, one per (pattern, peer, cpu): the first mode of
  # parallel, call, acquirerelease; another mode m (serial aside) is
  # reported as pattern <pattern>-<m>
  printf "\n"
  split("parallel call acquirerelease", pref, " ")
  for (i = 1; i <= n; i++) {
    split(keys[i], k4, SUBSEP)
    best = ""
    for (x = 1; x <= 3 && best == ""; x++) if ((k4[1] SUBSEP k4[2] SUBSEP k4[3] SUBSEP pref[x]) in r) best = pref[x]
    label = k4[1]
    if (k4[4] != best) { if (k4[4] == "serial" || best == "") continue; label = k4[1] "-" k4[4] }
    out[++no] = sprintf("ratio %s vs %s cpu=%s %.2f", label, k4[2], k4[3], r[keys[i]])
  }
  for (i = 2; i <= no; i++) { t = out[i]; for (j = i - 1; j >= 1 && out[j] > t; j--) out[j + 1] = out[j]; out[j + 1] = t }
  for (i = 1; i <= no; i++) print out[i]

  # pairs that count Redis commands (redis-cmds/op): the Bulwark throughput
  # over that of the peer (the inverse of the ratio above) and its commands per
  # call over those of the peer, exactly:
  #   throughput-ratio <pattern> vs <peer> cpu=<n> <x.xx>
  #   redis-cmds-ratio <pattern> vs <peer> cpu=<n> <x.xxe±yy>
  for (i = 1; i <= n; i++) {
    split(keys[i], k4, SUBSEP)
    if (!((k4[1], "bulwark", k4[4], k4[3], "redis-cmds/op") in metric)) continue
    pk = k4[1] SUBSEP k4[2] SUBSEP k4[4] SUBSEP k4[3]
    if (!(pk in peer)) for (q in peer) { split(q, p, SUBSEP); if (p[2] == k4[2] && p[3] == k4[4] && p[4] == k4[3] && index(k4[1], p[1] "-") == 1) pk = q }
    if (pk == "" || !((pk, "redis-cmds/op") in metric) || r[keys[i]] <= 0) continue
    vals["tmp"] = metric[k4[1], "bulwark", k4[4], k4[3], "redis-cmds/op"]; bc = median("tmp")
    vals["tmp"] = metric[pk, "redis-cmds/op"]; pc = median("tmp")
    rl[++nr] = sprintf("throughput-ratio %s vs %s cpu=%s %.2f", k4[1], k4[2], k4[3], 1 / r[keys[i]])
    if (pc > 0) rl[++nr] = sprintf("redis-cmds-ratio %s vs %s cpu=%s %.2e", k4[1], k4[2], k4[3], bc / pc)
  }
  for (i = 2; i <= nr; i++) { t = rl[i]; for (j = i - 1; j >= 1 && rl[j] > t; j--) rl[j + 1] = rl[j]; rl[j + 1] = t }
  for (i = 1; i <= nr; i++) print rl[i]
}' "$OUT/normalized.txt"
} | tee "$OUT/report.txt"

# Per instance (section 5): appended to the report.
{
  echo
  echo "per instance: one idle named instance of each kind (TestPerInstance, 2,000 created per impl)"
  go test -run '^TestPerInstance$' -count 1 -v . | awk '
  /^perinstance / {
    kind = $2; impl = $3
    if (!(kind in nimpl)) kinds[++nk] = kind
    name[kind, ++nimpl[kind]] = impl
    for (i = 4; i <= NF; i++) { split($i, kv, "="); v[kind, impl, kv[1]] = kv[2] }
  }
  END {
    for (x = 1; x <= nk; x++) {
      k = kinds[x]
      printf "\n%s\n", k
      printf "%-18s %12s %11s %12s %12s %16s\n", "impl", "bytes idle", "goroutines", "create ns", "lookup ns", "firstcall p99 ns"
      for (i = 1; i <= nimpl[k]; i++) {
        m = name[k, i]
        printf "%-18s %12s %11s %12s %12s %16s\n", m, v[k, m, "bytes"], v[k, m, "goroutines"], v[k, m, "create_ns"], v[k, m, "lookup_ns"], v[k, m, "firstcall_p99_ns"]
      }
      for (i = 1; i <= nimpl[k]; i++) {
        b = name[k, i]
        if (b !~ /^bulwark/) continue
        for (j = 1; j <= nimpl[k]; j++) {
          p = name[k, j]
          if (p ~ /^bulwark/ || !(v[k, p, "bytes"] > 0)) continue
          r = v[k, b, "bytes"] / v[k, p, "bytes"]
          printf "instance-ratio %s %s vs %s bytes %.2f\n", k, b, p, r
          if (k == "circuitbreaker") printf "instance-ratio %s vs %s bytes %.2f\n", b, p, r
        }
      }
    }
  }'
} | tee -a "$OUT/report.txt"
echo "(raw results: $OUT/raw.txt)" >&2

# docs/performance.md is this report, regenerated by every full run (all
# benchmarks, not -short); DOC= (empty) skips it, DOC=path writes elsewhere.
DOC=${DOC-../../docs/performance.md}
if [[ -n "$DOC" && "$BENCH" == "." && -z "${SHORT:-}" ]]; then
  mkdir -p "$(dirname "$DOC")"
  {
    echo "# Performance"
    echo
    echo "Generated by \`bash stress/peers/compare.sh\`; do not edit by hand."
    echo
    echo "- run: $(date -u +%Y-%m-%d), commit $(git rev-parse --short HEAD 2>/dev/null || echo unknown)$(git diff --quiet HEAD -- ../.. 2>/dev/null || echo ' (with local changes)')"
    echo "- machine: $(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo 2>/dev/null | cut -d: -f2 | sed 's/^ *//'), $(go version | cut -d' ' -f3-)"
    echo "- settings: -count $COUNT -benchtime $BENCHTIME -cpu $CPU -benchmem"
    echo
    echo "A ratio is Bulwark's median ns/op divided by the peer's on the same"
    echo "workload: below 1.00 Bulwark is faster. Figures from one run only are"
    echo "comparable with each other; the machine that produced them may be"
    echo "shared and noisy."
    echo
    echo '```'
    cat "$OUT/report.txt"
    echo '```'
  } > "$DOC"
  echo "(wrote $DOC)" >&2
fi
