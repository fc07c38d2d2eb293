package etcdstore

// SetListPage sets how many keys s's List asks for at a time, for the
// tests of package etcdstore_test.
func SetListPage(s *Store, n int64) { s.listPage = n }
