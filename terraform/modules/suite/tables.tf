# DynamoDB tables of the domain. Keep these in sync with the Go table definitions in
# shared/store/dynamo: terraform/deploy/tfcheck compares them on every `make test`.
# Only key attributes (table and index keys) are declared; every other attribute is schemaless.
locals {
  dynamodb_tables = {
    catalog = {
      hash_key   = "pk"
      range_key  = "sk"
      attributes = { pk = "S", sk = "S", gsi1pk = "S", gsi1sk = "S" }
      global_secondary_indexes = {
        gsi1 = { hash_key = "gsi1pk", range_key = "gsi1sk" }
      }
    }
    customers = {
      hash_key   = "pk"
      range_key  = "sk"
      attributes = { pk = "S", sk = "S" }
    }
    orders = {
      hash_key   = "pk"
      range_key  = "sk"
      attributes = { pk = "S", sk = "S", gsi1pk = "S", gsi1sk = "S" }
      global_secondary_indexes = {
        gsi1 = { hash_key = "gsi1pk", range_key = "gsi1sk" }
      }
    }
    idempotency = {
      hash_key      = "pk"
      attributes    = { pk = "S" }
      ttl_attribute = "expires_at"
    }
    sessions = {
      hash_key      = "pk"
      attributes    = { pk = "S" }
      ttl_attribute = "expires_at"
    }
  }
}
