# Applied on top of fixture-root's defaults, this gives a plan with every kind of action:
# update in place (stage), replace (web code), delete (partner acme), create (partner globex).
stage       = "v2"
code_sha256 = { web = "a2", mobile = "b1", partner = "c1" }
partners    = { globex = ["orders.read", "orders.write"] }
