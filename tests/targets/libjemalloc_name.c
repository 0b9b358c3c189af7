/* libjemalloc_name: an empty library whose file name says jemalloc.  The
 * reachability test preloads it into a target: lt_reach must refuse a
 * process where another allocator is mapped, whatever the library does. */
int lt_jemalloc_name_marker(void);

int lt_jemalloc_name_marker(void)
{
	return 0;
}
