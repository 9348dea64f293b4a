//go:build linux && (amd64 || arm64)

package main

import (
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestClassroom: .github/classroom/autograding.json (the GitHub Classroom
// test list that .github/workflows/grade.yml runs) has one test per
// exercise, worth the points of its criteria, and each command is the
// checker's own: run here as written (with the built checker for
// "go run ./exercises" and the starters' guard added: the very run
// TestExercises judges the starter by), on the starters, each
// scores 0 of exactly the points listed and exits 1.
func TestClassroom(t *testing.T) {
	t.Parallel()
	b, err := os.ReadFile(filepath.Join("..", ".github", "classroom", "autograding.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Tests []struct {
			Name, Run string
			Points    int
			Timeout   int
		}
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatalf("autograding.json: %v", err)
	}
	seen := map[string]bool{}
	for _, tc := range doc.Tests {
		tc := tc
		seen[tc.Name] = true
		ex := exercises[tc.Name]
		if ex == nil {
			t.Errorf("autograding.json: test %q is no exercise", tc.Name)
			continue
		}
		_, max := score(criteriaOf(ex, fmt.Errorf("listed")))
		if tc.Points != max {
			t.Errorf("autograding.json: %s is worth %d points, its criteria %d", tc.Name, tc.Points, max)
		}
		args := strings.Fields(tc.Run)
		if len(args) != 5 || strings.Join(args[:4], " ") != "go run ./exercises check" || args[4] != tc.Name {
			t.Errorf("autograding.json: %s runs %q, want \"go run ./exercises check %s\"", tc.Name, tc.Run, tc.Name)
			continue
		}
		t.Run(tc.Name, func(t *testing.T) {
			t.Parallel()
			v := checkShared(t, args[4], "-guard", shortGuard)
			if want := fmt.Sprintf("Score: 0/%d\n", tc.Points); v.code != 1 || !strings.HasSuffix(v.out, want) {
				t.Errorf("%s on the starter: exit status %d, want 1 and a last line %q:\n%s", tc.Run, v.code, want, v.out)
			}
		})
	}
	for name := range exercises {
		if !seen[name] {
			t.Errorf("autograding.json has no test for %s: add one (its points: the number of its criteria)", name)
		}
	}
}
