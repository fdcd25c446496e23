package tfcheck

// This file is the wiring between the Terraform checks and the Go code they must agree with.
// It is the only file to touch when the Go side moves.

import (
	"testing"

	mobileapp "bffsuite.dev/bff-mobile/app"
	partnerapp "bffsuite.dev/bff-partner/app"
	webapp "bffsuite.dev/bff-web/app"
	"bffsuite.dev/shared/config"
	"bffsuite.dev/shared/devices"
	"bffsuite.dev/shared/imports"
	"bffsuite.dev/shared/revocation"
	"bffsuite.dev/shared/store/dynamo"
	"bffsuite.dev/shared/webhooks"
)

// configSources returns, per BFF, the environment variables its config struct reads
// (bffsuite.dev/bff-*/app.Config via shared/config.Vars), and whether these are the BFFs'
// complete configs (then the reverse check, "the Lambda sets no variable the config ignores",
// runs too).
func configSources(t *testing.T) (vars map[string][]config.Var, complete bool) {
	t.Helper()
	return map[string][]config.Var{
		"web":     config.Vars(webapp.Config{}),
		"mobile":  config.Vars(mobileapp.Config{}),
		"partner": config.Vars(partnerapp.Config{}),
	}, true
}

// goTables returns the Go table declarations (shared/store/dynamo.Schema) as Tables.
func goTables(t *testing.T) (map[string]Table, bool) {
	t.Helper()
	out := map[string]Table{}
	all := append(dynamo.Schema(), dynamo.IdempotencyTable(), dynamo.PartnersTable(), devices.TableSchema(), revocation.TableSchema(), imports.TableSchema(), dynamo.ReadModelsTable(),
		webhooks.TableSchema())
	for _, gt := range all {
		table := Table{
			HashKey:      gt.Hash.Name,
			TTLAttribute: gt.TTLAttribute,
			Attributes:   map[string]string{gt.Hash.Name: gt.Hash.Type},
			Indexes:      map[string]Index{},
		}
		if gt.Range != nil {
			table.RangeKey = gt.Range.Name
			table.Attributes[gt.Range.Name] = gt.Range.Type
		}
		for _, ix := range gt.Indexes {
			idx := Index{HashKey: ix.Hash.Name, Projection: ix.Projects}
			table.Attributes[ix.Hash.Name] = ix.Hash.Type
			if ix.Range != nil {
				idx.RangeKey = ix.Range.Name
				table.Attributes[ix.Range.Name] = ix.Range.Type
			}
			if idx.Projection == "" {
				idx.Projection = "ALL" // dynamo.TableDefinitions projects ALL
			}
			table.Indexes[ix.Name] = idx
		}
		out[gt.Logical] = table
	}
	return out, true
}

// tablesWithoutGoDeclaration are Terraform tables whose Go code has no Schema() entry yet.
// Every table has one now (dynamo.Schema, dynamo.IdempotencyTable, dynamo.PartnersTable,
// devices.TableSchema, revocation.TableSchema); an
// entry added here fails once it goes stale.
var tablesWithoutGoDeclaration = map[string]string{}
