X(audit, "re-hash the OCFL store's content and report missing, changed or unexpected files")
X(validate, "check the OCFL store and objects against the OCFL 1.1 rules")
