# DynamoDB tables of the domain. Keep these in sync with the Go declarations in
# shared/store/dynamo (Schema()): terraform/deploy/tfcheck compares them on every `make test`.
# Only key attributes (table and index keys) are declared; every other attribute is schemaless.
locals {
  dynamodb_tables = {
    # products ("PRODUCT#<id>") and categories ("CATEGORY#<id>")
    catalog = {
      hash_key   = "pk"
      attributes = { pk = "S", sku = "S", slug = "S", kind = "S", change_key = "S" }
      global_secondary_indexes = {
        by_sku    = { hash_key = "sku" }                            # GetProductBySKU (sparse)
        by_slug   = { hash_key = "slug" }                           # GetProductBySlug (sparse)
        by_change = { hash_key = "kind", range_key = "change_key" } # change feed, whole catalog, categories
      }
    }
    # customer profiles keyed by Cognito sub
    customers = {
      hash_key   = "id"
      attributes = { id = "S" }
    }
    # orders keyed by order id; the stream is the outbox of the order events (order_events)
    orders = {
      hash_key         = "id"
      attributes       = { id = "S", customer_id = "S", partner_id = "S", list_key = "S" }
      stream_view_type = "NEW_AND_OLD_IMAGES"
      global_secondary_indexes = {
        by_customer = { hash_key = "customer_id", range_key = "list_key" } # ListOrdersByCustomer (sparse)
        by_partner  = { hash_key = "partner_id", range_key = "list_key" }  # ListOrdersByPartner (sparse)
      }
    }
    # Idempotency-Key records of bff-web, bff-mobile and bff-partner (shared/idempotency)
    idempotency = {
      hash_key      = "pk"
      attributes    = { pk = "S" }
      ttl_attribute = "expires_at"
    }
    # ended bff-web sessions (shared/revocation): written at logout, read on every request,
    # expired by TTL at the session's max expiry
    session_revocations = {
      hash_key      = "pk"
      attributes    = { pk = "S" }
      ttl_attribute = "expires_at"
    }
    # partner registry: app client -> partner, scopes, rate tier, status (shared/partners).
    # bff-partner reads it (GetItem); bffdeploy partner add/disable write it.
    partners = {
      hash_key   = "client_id"
      attributes = { client_id = "S", partner_id = "S" }
      global_secondary_indexes = {
        by_partner = { hash_key = "partner_id" } # ListByPartner (bffdeploy)
      }
    }
    # read models of the order events (shared/readmodels): customer summaries, product
    # popularity buckets (expired by TTL), per-order states; written by the projector Lambda,
    # read by bff-web and bff-mobile
    readmodels = {
      hash_key      = "pk"
      range_key     = "sk"
      attributes    = { pk = "S", sk = "S" }
      ttl_attribute = "expires_at"
    }
    # push-notification devices of bff-mobile (shared/devices)
    devices = {
      hash_key   = "token"
      attributes = { token = "S", customer_id = "S" }
      global_secondary_indexes = {
        by_customer = { hash_key = "customer_id" } # List (notification sender)
      }
    }
    # partner bulk imports (shared/imports): a partner's imports by id (ids sort by age)
    imports = {
      hash_key   = "partner_id"
      range_key  = "id"
      attributes = { partner_id = "S", id = "S" }
    }
    # partner webhooks (shared/webhooks): endpoints "P#<partner>"/"EP#<id>", deliveries
    # "P#<partner>#EP#<id>"/"D#<id>" and the pull feed "F#<partner>"/"<occurred_at>#<event>";
    # deliveries and feed entries expire by TTL after 30 days
    webhooks = {
      hash_key      = "pk"
      range_key     = "sk"
      attributes    = { pk = "S", sk = "S" }
      ttl_attribute = "expires_at"
    }
  }
}
