// Package config reads xuexibot's YAML configuration: every key with its
// default, ${VAR} expanded from the environment so secrets stay out of
// files, unknown keys rejected, and every problem reported at once.
package config
