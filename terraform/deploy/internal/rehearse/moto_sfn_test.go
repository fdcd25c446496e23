package rehearse

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/sfn"
)

// The launcher adds ListStateMachineVersions (moto 5.2.1 answers 500), which the AWS provider
// calls for every aws_sfn_state_machine: none for a machine created without publishing, the
// published one otherwise.
func TestMotoListsStateMachineVersions(t *testing.T) {
	o := requireTools(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartMoto(ctx, o.Python, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	c := sfn.NewFromConfig(adminConfig(m.URL))
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`
	tests := []struct {
		name    string
		publish bool
		want    int
	}{
		{"unpublished", false, 0},
		{"published", true, 1},
	}
	for _, tt := range tests {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String(tt.name), Definition: aws.String(def), Publish: tt.publish,
			RoleArn: aws.String("arn:aws:iam::123456789012:role/states"),
		})
		if err != nil {
			t.Fatalf("CreateStateMachine(%s): %v", tt.name, err)
		}
		got, err := c.ListStateMachineVersions(ctx, &sfn.ListStateMachineVersionsInput{StateMachineArn: out.StateMachineArn})
		if err != nil {
			t.Fatalf("ListStateMachineVersions(%s): %v", tt.name, err)
		}
		if len(got.StateMachineVersions) != tt.want {
			t.Errorf("%s: %d versions, want %d", tt.name, len(got.StateMachineVersions), tt.want)
		}
		for _, v := range got.StateMachineVersions {
			if aws.ToString(v.StateMachineVersionArn) != aws.ToString(out.StateMachineArn)+":1" || v.CreationDate == nil {
				t.Errorf("%s: version %s created %v, want %s:1 with a date", tt.name, aws.ToString(v.StateMachineVersionArn), v.CreationDate, aws.ToString(out.StateMachineArn))
			}
		}
	}
}

// With IAM on, StartExecution is authorized against the state machine it names: a role granted
// states:StartExecution on one machine starts it and is denied on another (moto alone checks
// every Step Functions action against "*", which no least-privilege grant matches).
func TestMotoAuthorizesStartExecutionOnTheMachine(t *testing.T) {
	o := requireTools(t, false)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	m, err := StartMoto(ctx, o.Python, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	defer m.Stop()
	admin := adminConfig(m.URL)
	c := sfn.NewFromConfig(admin)
	def := `{"StartAt":"A","States":{"A":{"Type":"Pass","End":true}}}`
	arns := map[string]string{}
	for _, name := range []string{"granted", "other"} {
		out, err := c.CreateStateMachine(ctx, &sfn.CreateStateMachineInput{
			Name: aws.String(name), Definition: aws.String(def), RoleArn: aws.String("arn:aws:iam::123456789012:role/states"),
		})
		if err != nil {
			t.Fatal(err)
		}
		arns[name] = aws.ToString(out.StateMachineArn)
	}
	asRole := sfn.NewFromConfig(roleConfig(ctx, t, m, "bff", []map[string]any{
		{"Effect": "Allow", "Action": []string{"states:StartExecution"}, "Resource": []string{arns["granted"]}},
	}))
	for _, tt := range []struct {
		machine string
		allowed bool
	}{{"granted", true}, {"other", false}} {
		_, err := asRole.StartExecution(ctx, &sfn.StartExecutionInput{
			StateMachineArn: aws.String(arns[tt.machine]), Name: aws.String("checkout-o1"), Input: aws.String(`{}`),
			TraceHeader: aws.String("Root=1-5759e988-bd862e3fe1be46a994272793;Sampled=1"),
		})
		if tt.allowed && err != nil {
			t.Errorf("StartExecution(%s) = %v, want allowed", tt.machine, err)
		}
		if !tt.allowed && (err == nil || !strings.Contains(err.Error(), "403")) {
			t.Errorf("StartExecution(%s) = %v, want a 403 denial", tt.machine, err)
		}
	}
}
