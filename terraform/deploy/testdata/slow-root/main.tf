# Apply takes up to a minute (a local-exec loop), so a test can interrupt it and check that
# Terraform stops cleanly and leaves the state unlocked. The loop also ends as soon as its parent
# (Terraform) is gone, so an interrupted test leaves no process behind.
terraform {
  backend "local" {}
}

resource "terraform_data" "slow" {
  provisioner "local-exec" {
    command = "i=0; while [ $i -lt 300 ] && kill -0 $PPID 2>/dev/null; do sleep 0.2; i=$((i+1)); done"
  }
}
