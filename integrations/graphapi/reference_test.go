package graphapi

import "testing"

func TestReferenceRoundTrips(t *testing.T) {
	for _, c := range []struct {
		id   int64
		k, n int
	}{{42, 1, 1}, {42, 2, 3}, {9007199254740993, 3, 3}} {
		ref := Reference(c.id, c.k, c.n)
		id, k, n, ok := ParseReference(ref)
		if !ok || id != c.id || k != c.k || n != c.n {
			t.Errorf("ParseReference(%q) = %d %d/%d %v", ref, id, k, n, ok)
		}
	}
	if id, ok := ParseTemplateReference(TemplateReference(42)); !ok || id != 42 {
		t.Errorf("template reference: %d %v", id, ok)
	}
	if _, _, _, ok := ParseReference(TemplateReference(42)); ok {
		t.Error("a template reference read as a part")
	}
	for _, bad := range []string{"skybridge:42", "skybridge:42:1/1", "skybridge::t", "skybridge:-4:t", "other:42:t"} {
		if _, ok := ParseTemplateReference(bad); ok {
			t.Errorf("ParseTemplateReference(%q) accepted", bad)
		}
	}
	if ref := Reference(0, 1, 1); ref != "" {
		t.Errorf("a message not stored has reference %q", ref)
	}
	// The form before parts were named reads as the whole message.
	if id, k, n, ok := ParseReference("skybridge:42"); !ok || id != 42 || k != 0 || n != 0 {
		t.Errorf("old form: %d %d/%d %v", id, k, n, ok)
	}
	for _, bad := range []string{"", "skybridge:", "skybridge:0", "skybridge:-1", "skybridge: 42", "skybridge:42:",
		"skybridge:42:2/1", "skybridge:42:0/1", "skybridge:42:1/1001", "skybridge:42:1/2/3", "other:42:1/1", "skybridge:99999999999999999999"} {
		if _, _, _, ok := ParseReference(bad); ok {
			t.Errorf("ParseReference(%q) accepted", bad)
		}
	}
}
