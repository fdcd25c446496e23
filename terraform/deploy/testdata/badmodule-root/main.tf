# Init fails: the local module directory does not exist.
module "missing" {
  source = "./modules/does-not-exist"
}
