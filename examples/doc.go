// Package examples holds runnable programs, one folder each; examples/demo
// is the README's main job. This package itself holds nothing.
package examples
