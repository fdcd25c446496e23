// Package plansummary turns a Terraform/OpenTofu plan (the JSON of `show -json`, as tfjson.Plan)
// into a short review: what is added, changed, replaced and destroyed, grouped by module.
package plansummary

import (
	"fmt"
	"io"
	"sort"
	"strings"

	tfjson "github.com/hashicorp/terraform-json"
)

// Action is what a plan does to one resource instance, in review terms.
type Action string

// The actions a summary reports. Reads (data sources) and no-ops are left out.
const (
	Add     Action = "add"
	Change  Action = "change"
	Replace Action = "replace"
	Destroy Action = "destroy"
	Forget  Action = "forget"
)

// symbol is the one-column marker used in the text summary, as Terraform prints them.
func (a Action) symbol() string {
	switch a {
	case Add:
		return "+"
	case Change:
		return "~"
	case Replace:
		return "-/+"
	case Destroy:
		return "-"
	default:
		return "."
	}
}

// Counts counts resource instances per action.
type Counts struct {
	Add, Change, Replace, Destroy, Forget int
}

func (c *Counts) count(a Action) {
	switch a {
	case Add:
		c.Add++
	case Change:
		c.Change++
	case Replace:
		c.Replace++
	case Destroy:
		c.Destroy++
	case Forget:
		c.Forget++
	}
}

// Total is the number of instances with any action.
func (c Counts) Total() int { return c.Add + c.Change + c.Replace + c.Destroy + c.Forget }

// String reads like "1 to add, 2 to change, 0 to replace, 1 to destroy".
func (c Counts) String() string {
	s := fmt.Sprintf("%d to add, %d to change, %d to replace, %d to destroy", c.Add, c.Change, c.Replace, c.Destroy)
	if c.Forget > 0 {
		s += fmt.Sprintf(", %d to forget", c.Forget)
	}
	return s
}

// ResourceChange is one resource instance the plan acts on.
type ResourceChange struct {
	Address string
	Action  Action
}

// Group holds the changes of one module instance ("" is the root module).
type Group struct {
	Module  string
	Counts  Counts
	Changes []ResourceChange
}

// Name is the module address, or "(root)".
func (g Group) Name() string {
	if g.Module == "" {
		return "(root)"
	}
	return g.Module
}

// Summary is the review of one plan.
type Summary struct {
	Total Counts
	// Groups are sorted by module address, the root module first; modules without changes are left out.
	Groups []Group
	// OutputChanges counts root outputs that would change (outputs only: they touch no resource).
	OutputChanges int
}

// Summarize builds the summary of p. A nil plan gives an empty summary.
func Summarize(p *tfjson.Plan) Summary {
	var s Summary
	if p == nil {
		return s
	}
	groups := map[string]*Group{}
	for _, rc := range p.ResourceChanges {
		if rc == nil || rc.Change == nil {
			continue
		}
		a, ok := actionOf(rc.Change.Actions)
		if !ok {
			continue
		}
		g := groups[rc.ModuleAddress]
		if g == nil {
			g = &Group{Module: rc.ModuleAddress}
			groups[rc.ModuleAddress] = g
		}
		g.Counts.count(a)
		g.Changes = append(g.Changes, ResourceChange{Address: rc.Address, Action: a})
		s.Total.count(a)
	}
	for _, g := range groups {
		sort.Slice(g.Changes, func(i, j int) bool { return g.Changes[i].Address < g.Changes[j].Address })
		s.Groups = append(s.Groups, *g)
	}
	sort.Slice(s.Groups, func(i, j int) bool { return s.Groups[i].Module < s.Groups[j].Module })
	for _, oc := range p.OutputChanges {
		if oc == nil {
			continue
		}
		if !oc.Actions.NoOp() && !oc.Actions.Read() {
			s.OutputChanges++
		}
	}
	return s
}

// actionOf maps Terraform's action list to a review action; no-op and read give false.
func actionOf(a tfjson.Actions) (Action, bool) {
	switch {
	case a.Replace():
		return Replace, true
	case a.Create():
		return Add, true
	case a.Update():
		return Change, true
	case a.Delete():
		return Destroy, true
	case a.Forget():
		return Forget, true
	default:
		return "", false
	}
}

// HasChanges reports whether the plan acts on any resource or output.
func (s Summary) HasChanges() bool { return s.Total.Total() > 0 || s.OutputChanges > 0 }

// Destructive lists the instances that would be destroyed or replaced, sorted by address.
func (s Summary) Destructive() []ResourceChange {
	var out []ResourceChange
	for _, g := range s.Groups {
		for _, c := range g.Changes {
			if c.Action == Destroy || c.Action == Replace {
				out = append(out, c)
			}
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Address < out[j].Address })
	return out
}

// WriteText writes the summary for people: a total line, then each module with its changes.
func (s Summary) WriteText(w io.Writer) error {
	var b strings.Builder
	if !s.HasChanges() {
		b.WriteString("No changes. The infrastructure matches the configuration.\n")
		_, err := io.WriteString(w, b.String())
		return err
	}
	fmt.Fprintf(&b, "Plan: %s.\n", s.Total)
	if s.OutputChanges > 0 {
		fmt.Fprintf(&b, "Outputs: %d to change.\n", s.OutputChanges)
	}
	for _, g := range s.Groups {
		fmt.Fprintf(&b, "\n%s: %s\n", g.Name(), g.Counts)
		for _, c := range g.Changes {
			fmt.Fprintf(&b, "  %-3s %s (%s)\n", c.Action.symbol(), c.Address, c.Action)
		}
	}
	_, err := io.WriteString(w, b.String())
	return err
}
