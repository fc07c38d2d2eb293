package cache

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"

	"github.com/mtibben/confusables"
)

// Names that a person could take for a registered one are refused as
// new names, by the rules of Unicode Technical Standard #39: a name that
// mixes scripts beyond what its "Highly Restrictive" level allows
// (checkScripts), and a name whose confusable skeleton is that of a
// registered user (lookalikes).

// checkScripts reports a name that is not TR39 "Highly Restrictive": one
// script, or Latin with Han, Hiragana and Katakana, with Han and Hangul,
// or with Han and Bopomofo. Characters of the Common and Inherited
// scripts (digits, '-', combining marks) go with any script. Go's tables
// have no Script_Extensions, so the few Common characters whose
// extensions name particular scripts (such as U+30FC, Hiragana and
// Katakana) go with any script too; the skeleton check still compares
// them with registered names.
func checkScripts(user string) error {
	type first struct {
		script string
		r      rune
	}
	var seen []first
	var last string
	for _, r := range user {
		script := last
		if last == "" || !unicode.Is(unicode.Scripts[last], r) {
			script = scriptOf(r)
		}
		last = script
		if script == "Common" || script == "Inherited" || script == "" {
			continue
		}
		if !slices.ContainsFunc(seen, func(f first) bool { return f.script == script }) {
			seen = append(seen, first{script, r})
		}
	}
	if len(seen) <= 1 {
		return nil
	}
	for _, with := range [][]string{{"Han", "Hiragana", "Katakana"}, {"Han", "Hangul"}, {"Han", "Bopomofo"}} {
		if !slices.ContainsFunc(seen, func(f first) bool { return f.script != "Latin" && !slices.Contains(with, f.script) }) {
			return nil
		}
	}
	parts := make([]string, len(seen))
	for i, f := range seen {
		parts[i] = fmt.Sprintf("%s %U", f.script, f.r)
	}
	return &NameError{User: user, Reason: "it mixes scripts (" + strings.Join(parts, ", ") +
		"), as look-alike names do; write it in one script (Latin may go with Han, Hiragana, Katakana, Hangul or Bopomofo)"}
}

// scriptNames are the names of Go's script tables, sorted, with the
// most common first: the order in which scriptOf tries them.
var scriptNames = func() []string {
	common := []string{"Latin", "Common", "Inherited", "Cyrillic", "Greek", "Han", "Hiragana", "Katakana", "Hangul", "Arabic", "Hebrew"}
	names := slices.Clone(common)
	for name := range unicode.Scripts {
		if !slices.Contains(common, name) {
			names = append(names, name)
		}
	}
	slices.Sort(names[len(common):])
	return names
}()

// scriptOf returns the name of r's script, "" for an unassigned code
// point.
func scriptOf(r rune) string {
	if r < utf8.RuneSelf {
		if 'a' <= r|0x20 && r|0x20 <= 'z' {
			return "Latin"
		}
		return "Common"
	}
	for _, name := range scriptNames {
		if unicode.Is(unicode.Scripts[name], r) {
			return name
		}
	}
	return ""
}

// skeleton returns the TR39 confusable skeleton of name: two names look
// alike if their skeletons are equal. Default-ignorable characters are
// dropped first, as TR39 says (new names hold none, but names already
// stored may).
func skeleton(name string) string {
	s := confusables.Skeleton(strings.Map(func(r rune) rune {
		if defaultIgnorable(r) {
			return -1
		}
		return r
	}, name))
	if s == name {
		return name // one string for both
	}
	return s
}

// defaultIgnorable approximates Unicode's Default_Ignorable_Code_Point
// from Go's tables: format characters but prepended concatenation marks,
// variation selectors, and the other default ignorables.
func defaultIgnorable(r rune) bool {
	if r < 0xad {
		return false
	}
	return unicode.Is(unicode.Cf, r) && !unicode.Is(unicode.Prepended_Concatenation_Mark, r) ||
		unicode.Is(unicode.Variation_Selector, r) || unicode.Is(unicode.Other_Default_Ignorable_Code_Point, r)
}

// lookalikes knows the skeleton of every registered name, so that
// Register refuses a name that looks like one without computing a
// skeleton per user. A registration lists the store again when the last
// listing is older than the poll interval, or than relistFactor times
// what that listing took if longer, so that listing takes at most 1% of
// the time however many users there are (100,000 users in a directory
// take some 250 ms to list: one listing every 25 s). It computes
// skeletons only for names it has not seen. The zero value is ready for
// use.
//
// Registrations through one Cache are checked against each other
// exactly: a name being registered holds its skeleton until the store
// has answered. Registrations through two Caches (two processes, two
// servers on one etcd) see each other only once listed: two look-alike
// names registered one through each, within that interval of each
// other, may both succeed. That race is tolerated; an administrator can
// remove either name.
type lookalikes struct {
	mu      sync.Mutex
	listed  int64                // memo clock at the last listing
	took    int64                // how long it took, on the memo clock
	gen     uint32               // bumped by each listing
	names   map[string]skelEntry // registered name → its skeleton; nil until listed
	pending map[string]string    // name being registered → its skeleton
	count   map[string]int       // skeleton → names in names or pending that have it
}

// skelEntry is a registered name's skeleton, and the listing that last
// saw the name.
type skelEntry struct {
	skel string
	seen uint32
}

// claim checks that user, a name that passed checkNewUser, looks like no
// registered name, and holds its skeleton until the registration ends:
// the caller must then call done with the store's answer. A look-alike is
// a [*NameError]; a store that cannot be listed returns its error.
func (l *lookalikes) claim(ctx context.Context, c *Cache, user string) (done func(err error), err error) {
	skel := skeleton(user)
	l.mu.Lock()
	defer l.mu.Unlock()
	if err := l.refresh(ctx, c); err != nil {
		return nil, err
	}
	if _, ok := l.names[user]; ok {
		return func(error) {}, nil // the store will say it is registered
	}
	if _, ok := l.pending[user]; ok {
		return func(error) {}, nil // the store will tell which registration wins
	}
	if l.count[skel] > 0 {
		return nil, &NameError{User: user, Reason: "it looks like the name of a registered user (their Unicode TR39 skeletons are equal); choose another"}
	}
	l.pending[user] = skel
	l.count[skel]++
	return func(err error) {
		l.mu.Lock()
		defer l.mu.Unlock()
		delete(l.pending, user)
		l.drop(skel)
		if _, ok := l.names[user]; !ok && (err == nil || errors.Is(err, ErrAlreadyRegistered)) {
			l.names[user] = skelEntry{skel: skel, seen: l.gen}
			l.count[skel]++
		}
	}, nil
}

// relistFactor bounds how often the store is listed: at most once per
// relistFactor times what a listing takes.
const relistFactor = 100

// refresh lists the store if it was never listed or the last listing is
// too old (see lookalikes), and brings names up to date. l.mu is held.
func (l *lookalikes) refresh(ctx context.Context, c *Cache) error {
	now := c.memo.now()
	if l.names != nil && now-l.listed < max(int64(c.memo.poll), relistFactor*l.took) {
		return nil
	}
	listed, err := c.store.List(ctx)
	if err != nil {
		return err
	}
	l.took = c.memo.now() - now
	if l.names == nil {
		l.names, l.pending, l.count = make(map[string]skelEntry, len(listed)), map[string]string{}, make(map[string]int, len(listed))
	}
	l.gen++
	for _, name := range listed {
		if e, ok := l.names[name]; ok {
			e.seen = l.gen
			l.names[name] = e
			continue
		}
		if checkUser(name) != nil {
			continue
		}
		skel := skeleton(name)
		l.names[name] = skelEntry{skel: skel, seen: l.gen}
		l.count[skel]++
	}
	for name, e := range l.names {
		if e.seen != l.gen {
			delete(l.names, name)
			l.drop(e.skel)
		}
	}
	l.listed = now
	return nil
}

// drop counts one name less with skel. l.mu is held.
func (l *lookalikes) drop(skel string) {
	if l.count[skel]--; l.count[skel] <= 0 {
		delete(l.count, skel)
	}
}
