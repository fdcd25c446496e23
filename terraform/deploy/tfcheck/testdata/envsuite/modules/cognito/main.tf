output "mobile_client_id" { value = "x" }
