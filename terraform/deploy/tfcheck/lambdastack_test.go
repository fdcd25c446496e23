package tfcheck

import (
	"reflect"
	"sort"
	"testing"

	"bffsuite.dev/shared/lambdastack"
)

// TestLambdastackMirrorsTerraform keeps `make run-lambda`'s API Gateway fronts
// (shared/lambdastack) equal to the APIs Terraform creates: the mobile routes and which are
// authorized, the partner methods and their scopes.
func TestLambdastackMirrorsTerraform(t *testing.T) {
	s := loadSuite(t)
	mobile, err := s.MobileRoutes()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]bool{}
	for k, r := range mobile {
		got[k] = !r.Public
	}
	if !reflect.DeepEqual(got, lambdastack.MobileRoutes) {
		t.Errorf("Terraform mobile routes (key -> authorized) = %v, lambdastack.MobileRoutes = %v", got, lambdastack.MobileRoutes)
	}
	// Without a scope the JWT authorizer admits the mobile client's ID tokens too (they carry
	// its audience); the access-token scope keeps them out, on AWS and in lambdastack alike.
	for k, r := range mobile {
		var want []string
		if !r.Public {
			want = []string{lambdastack.MobileAccessScope}
		}
		if !reflect.DeepEqual(r.Scopes, want) {
			t.Errorf("Terraform mobile route %s scopes = %v, want %v (lambdastack.MobileAPI)", k, r.Scopes, want)
		}
	}
	partner, err := s.PartnerRoutes()
	if err != nil {
		t.Fatal(err)
	}
	want := map[string][]string{}
	for k, r := range partner {
		if r.Public {
			want[k] = nil
			continue
		}
		want[k] = append([]string{}, r.Scopes...)
	}
	local := map[string][]string{}
	for k, sc := range lambdastack.PartnerRoutes {
		if sc == nil {
			local[k] = nil
			continue
		}
		c := append([]string{}, sc...)
		sort.Strings(c)
		local[k] = c
	}
	if !reflect.DeepEqual(want, local) {
		t.Errorf("Terraform partner routes (key -> scopes) = %v, lambdastack.PartnerRoutes = %v", want, local)
	}
}
