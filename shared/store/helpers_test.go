package store_test

import "bffsuite.dev/shared/catalog"

func catalogQuery() catalog.Query { return catalog.Query{Sort: catalog.SortName} }
