# Apply takes a minute (a local-exec sleep), so a test can interrupt it and check that
# Terraform stops cleanly and leaves the state unlocked.
terraform {
  backend "local" {}
}

resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "sleep 60"
  }
}
