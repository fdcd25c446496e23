package devices

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"bffsuite.dev/shared/domain"
	"bffsuite.dev/shared/testenv"
)

func TestMain(m *testing.M) { os.Exit(testenv.RunWithDynamoDB(m)) }

// stores returns every implementation, each empty.
func stores(t *testing.T) map[string]Store {
	t.Helper()
	out := map[string]Store{"memory": NewMemory()}
	{
		d := testenv.DynamoDB(t)
		table := testenv.DynamoDBTablePrefix(t) + "devices"
		ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
		defer cancel()
		if err := CreateTable(ctx, d.Client(), table); err != nil {
			t.Fatalf("CreateTable: %v", err)
		}
		if err := CreateTable(ctx, d.Client(), table); err != nil {
			t.Fatalf("CreateTable twice: %v, want an existing table to be fine", err)
		}
		out["dynamodb"] = NewDynamoDB(d.Client(), table)
	}
	return out
}

func TestStores(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			at := time.Date(2026, 3, 1, 10, 0, 0, 0, time.UTC)
			steps := []struct {
				name        string
				run         func() (bool, error)
				wantCreated bool
				wantErr     error
			}{
				{"register", func() (bool, error) {
					return s.Put(ctx, Device{Token: "tok-a", CustomerID: "alice", Platform: PlatformIOS, AppVersion: "2.0.0", UpdatedAt: at})
				}, true, nil},
				{"register again", func() (bool, error) {
					return s.Put(ctx, Device{Token: "tok-a", CustomerID: "alice", Platform: PlatformIOS, AppVersion: "2.1.0", UpdatedAt: at.Add(time.Minute)})
				}, false, nil},
				{"second device", func() (bool, error) {
					return s.Put(ctx, Device{Token: "tok-b", CustomerID: "alice", Platform: PlatformAndroid, UpdatedAt: at.Add(2 * time.Minute)})
				}, true, nil},
				{"bob takes over tok-b", func() (bool, error) {
					return s.Put(ctx, Device{Token: "tok-b", CustomerID: "bob", Platform: PlatformAndroid, UpdatedAt: at.Add(3 * time.Minute)})
				}, true, nil},
				{"invalid platform", func() (bool, error) {
					return s.Put(ctx, Device{Token: "tok-c", CustomerID: "alice", Platform: "web", UpdatedAt: at})
				}, false, &domain.ValidationError{}},
				{"alice cannot delete bob's", func() (bool, error) { return false, s.Delete(ctx, "alice", "tok-b") }, false, domain.ErrNotFound},
				{"unknown token", func() (bool, error) { return false, s.Delete(ctx, "alice", "nope") }, false, domain.ErrNotFound},
			}
			for _, st := range steps {
				created, err := st.run()
				switch {
				case st.wantErr == nil && err != nil:
					t.Fatalf("%s: %v", st.name, err)
				case st.wantErr != nil:
					var ve *domain.ValidationError
					if !errors.Is(err, st.wantErr) && !(errors.As(st.wantErr, &ve) && errors.As(err, &ve)) {
						t.Errorf("%s: err = %v, want %v", st.name, err, st.wantErr)
					}
				case created != st.wantCreated:
					t.Errorf("%s: created = %v, want %v", st.name, created, st.wantCreated)
				}
			}
			assertList(t, s, "alice", "tok-a@2.1.0")
			assertList(t, s, "bob", "tok-b@")
			if err := s.Delete(ctx, "bob", "tok-b"); err != nil {
				t.Fatalf("Delete(bob, tok-b): %v", err)
			}
			assertList(t, s, "bob", "")
		})
	}
}

func assertList(t *testing.T, s Store, customer, want string) {
	t.Helper()
	var got []string
	ds, err := s.List(context.Background(), customer)
	if err != nil {
		t.Fatalf("List(%s): %v", customer, err)
	}
	for _, d := range ds {
		got = append(got, d.Token+"@"+d.AppVersion)
	}
	if strings.Join(got, ",") != want {
		t.Errorf("List(%s) = %q, want %q", customer, strings.Join(got, ","), want)
	}
}

func TestConcurrentRegistration(t *testing.T) {
	for name, s := range stores(t) {
		t.Run(name, func(t *testing.T) {
			ctx := context.Background()
			var wg sync.WaitGroup
			var mu sync.Mutex
			created := 0
			for i := range 10 {
				wg.Go(func() {
					c, err := s.Put(ctx, Device{Token: "shared", CustomerID: "carol", Platform: PlatformIOS, UpdatedAt: time.Now().Add(time.Duration(i))})
					if err != nil {
						t.Errorf("Put: %v", err)
					}
					if c {
						mu.Lock()
						created++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if created != 1 {
				t.Errorf("10 concurrent registrations of one token reported created %d times, want 1", created)
			}
			assertList(t, s, "carol", "shared@")
		})
	}
}

func TestMemoryEvictsOldest(t *testing.T) {
	s := NewMemory()
	at := time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)
	for i := range MaxPerCustomer + 3 {
		if _, err := s.Put(context.Background(), Device{Token: fmt.Sprintf("t%02d", i), CustomerID: "dan", Platform: PlatformAndroid, UpdatedAt: at.Add(time.Duration(i) * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	ds, _ := s.List(context.Background(), "dan")
	if len(ds) != MaxPerCustomer || ds[len(ds)-1].Token != "t03" {
		t.Errorf("List after %d registrations = %d devices, oldest %s; want %d, oldest t03", MaxPerCustomer+3, len(ds), ds[len(ds)-1].Token, MaxPerCustomer)
	}
}

func TestValidateToken(t *testing.T) {
	tests := []struct {
		token string
		ok    bool
	}{
		{"fcm:APA91bH-x_y", true},
		{strings.Repeat("a", MaxTokenLength), true},
		{"", false},
		{strings.Repeat("a", MaxTokenLength+1), false},
		{"has space", false},
		{"tab\t", false},
		{"ünicode", false},
	}
	for _, tt := range tests {
		v := &domain.ValidationError{}
		ValidateToken(v, tt.token)
		if got := v.Err() == nil; got != tt.ok {
			t.Errorf("ValidateToken(%.20q) ok = %v, want %v", tt.token, got, tt.ok)
		}
	}
}
