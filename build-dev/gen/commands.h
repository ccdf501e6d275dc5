X(validate, "check the OCFL store and objects against the OCFL 1.1 rules")
