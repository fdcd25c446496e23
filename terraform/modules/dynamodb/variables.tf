variable "name_prefix" {
  type        = string
  description = "Prefix for every table name, e.g. \"bffsuite-dev\"; the table name is \"<prefix>-<key>\"."

  validation {
    condition     = can(regex("^[a-zA-Z0-9_.-]{3,200}$", var.name_prefix))
    error_message = "name_prefix must be 3-200 characters of letters, digits, '_', '.' or '-'."
  }
}

variable "tables" {
  type = map(object({
    hash_key      = string
    range_key     = optional(string)
    attributes    = map(string)
    ttl_attribute = optional(string)
    # Enables the table's DynamoDB stream with this view type (KEYS_ONLY, NEW_IMAGE,
    # OLD_IMAGE, NEW_AND_OLD_IMAGES); null: no stream.
    stream_view_type = optional(string)
    global_secondary_indexes = optional(map(object({
      hash_key           = string
      range_key          = optional(string)
      projection_type    = optional(string, "ALL")
      non_key_attributes = optional(list(string))
    })), {})
  }))
  description = <<-EOT
    Tables keyed by their logical name (catalog, customers, ...). attributes maps every key
    attribute (table and index keys only) to its DynamoDB type: S, N or B. ttl_attribute enables
    TTL on that attribute; stream_view_type enables the table's stream. These definitions must match the Go table definitions in
    shared/store/dynamo; terraform/deploy/tfcheck tests that they do.
  EOT

  validation {
    condition = alltrue([
      for t in values(var.tables) : alltrue([for ty in values(t.attributes) : contains(["S", "N", "B"], ty)])
    ])
    error_message = "Every attribute type must be S, N or B."
  }

  validation {
    condition = alltrue(flatten([
      for t in values(var.tables) : concat(
        [contains(keys(t.attributes), t.hash_key)],
        [t.range_key == null || contains(keys(t.attributes), coalesce(t.range_key, "-"))],
        [for g in values(t.global_secondary_indexes) : contains(keys(t.attributes), g.hash_key) && (g.range_key == null || contains(keys(t.attributes), coalesce(g.range_key, "-")))],
      )
    ]))
    error_message = "Every table and index key must be declared in the table's attributes."
  }

  validation {
    condition = alltrue(flatten([
      for t in values(var.tables) : [for g in values(t.global_secondary_indexes) : contains(["ALL", "KEYS_ONLY", "INCLUDE"], g.projection_type)]
    ]))
    error_message = "projection_type must be ALL, KEYS_ONLY or INCLUDE."
  }
}

variable "deletion_protection" {
  type        = bool
  description = "Enable DynamoDB deletion protection on every table (true in prod)."
  default     = false
}

variable "point_in_time_recovery" {
  type        = bool
  description = "Enable point-in-time recovery (continuous backups, 35 days) on every table."
  default     = true
}

variable "kms_key_arn" {
  type        = string
  description = "Customer managed KMS key for server-side encryption; null uses the AWS managed key aws/dynamodb."
  default     = null
}

variable "tags" {
  type        = map(string)
  description = "Extra tags for the tables (the provider's default_tags apply as well)."
  default     = {}
}
