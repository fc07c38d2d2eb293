package readme

// The README's chi and gorilla/mux programs, which TestProgramsBuild builds
// in this module, import these routers. Importing them here too keeps go
// mod tidy from dropping them from examples/go.mod.
import (
	_ "github.com/go-chi/chi/v5"
	_ "github.com/gorilla/mux"
)
