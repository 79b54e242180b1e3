package main

import (
	"context"

	"github.com/ladgis/lad/demo"
)

// loadDemo fills an empty database with the demo city (Wrocław).
func loadDemo(ctx context.Context, e *env) error {
	loaded, err := demo.New(e.db.Pool, e.log).Load(ctx)
	if err != nil {
		return err
	}
	if !loaded {
		e.log.Info("database already holds data: demo city not loaded again")
	}
	return nil
}
