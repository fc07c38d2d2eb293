package fixiecreds_test

import (
	"bytes"
	"go/ast"
	"go/doc"
	"go/parser"
	"go/printer"
	"go/token"
	"io/fs"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// TestGoDocShowsNoInternalNames: what go doc shows of the module's public
// packages (declarations, values, signatures, comments), cache/etcdstore's
// included, names no internal package, so that users never meet a name
// they cannot import. The example programs are commands: not checked.
func TestGoDocShowsNoInternalNames(t *testing.T) {
	t.Parallel()
	var public, internal []string
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case !d.IsDir():
			return nil
		case path == "examples" || d.Name() == "testdata" || strings.HasPrefix(d.Name(), ".") && path != ".":
			return filepath.SkipDir
		case slices.Contains(strings.Split(filepath.ToSlash(path), "/"), "internal"):
			if filepath.Base(filepath.Dir(path)) == "internal" {
				internal = append(internal, d.Name())
			}
		default:
			public = append(public, path)
		}
		return nil
	})
	require.NoError(t, err)
	require.Contains(t, internal, "pyjson")
	require.Contains(t, public, filepath.Join("cache", "etcdstore"))
	names := regexp.MustCompile(`\b(` + strings.Join(internal, "|") + `)\.`)
	require.Regexp(t, names, "returns a pyjson.Record")

	for _, dir := range public {
		t.Run(dir, func(t *testing.T) {
			t.Parallel()
			fset := token.NewFileSet()
			var files []*ast.File
			paths, err := filepath.Glob(filepath.Join(dir, "*.go"))
			require.NoError(t, err)
			for _, p := range paths {
				if strings.HasSuffix(p, "_test.go") {
					continue
				}
				f, err := parser.ParseFile(fset, p, nil, parser.ParseComments|parser.SkipObjectResolution)
				require.NoError(t, err)
				files = append(files, f)
			}
			if len(files) == 0 {
				return // a directory of directories, or of tests only
			}
			pkg, err := doc.NewFromFiles(fset, files, "example.org/"+filepath.Base(dir))
			require.NoError(t, err)
			for what, text := range shown(t, fset, pkg) {
				assert.NotRegexp(t, names, text, "go doc of %s, %s", dir, what)
			}
		})
	}
}

// shown returns what go doc shows of pkg, by declaration.
func shown(t *testing.T, fset *token.FileSet, pkg *doc.Package) map[string]string {
	t.Helper()
	out := map[string]string{"package comment": pkg.Doc}
	show := func(what string, node any, comment string) {
		var b bytes.Buffer
		require.NoError(t, printer.Fprint(&b, fset, node))
		out[what] = b.String() + "\n" + comment
	}
	values := func(vs []*doc.Value) {
		for _, v := range vs {
			show(strings.Join(v.Names, ","), v.Decl, v.Doc)
		}
	}
	funcs := func(fs []*doc.Func) {
		for _, f := range fs {
			decl := *f.Decl
			decl.Body = nil
			show(f.Name, &decl, f.Doc)
		}
	}
	values(pkg.Consts)
	values(pkg.Vars)
	funcs(pkg.Funcs)
	for _, typ := range pkg.Types {
		show(typ.Name, typ.Decl, typ.Doc)
		values(typ.Consts)
		values(typ.Vars)
		funcs(typ.Funcs)
		funcs(typ.Methods)
	}
	return out
}
