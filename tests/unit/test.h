/* SPDX-License-Identifier: GPL-2.0 */
/*
 * A tiny test framework for imgsec's userspace unit tests.
 *
 *	static void test_thing(void)
 *	{
 *		CHECK(f(1) == 2, "f(1) = %d", f(1));
 *	}
 *
 *	int main(void)
 *	{
 *		RUN(test_thing);
 *		return test_summary();
 *	}
 *
 * Every test prints one line, "PASS: name" or "FAIL: name: reason" (one
 * FAIL line per failed check, at most TEST_MAX_REASONS of them), and
 * test_summary() prints exactly one last line "N passed, N failed" and
 * returns the exit status: non-zero if any test failed. Tests counted are
 * named tests, not checks. Data-driven tests name each case with
 * test_begin()/test_end() instead of RUN().
 *
 * tests/unit/run.sh builds each tests/unit/test_*.c with the module sources
 * named on its "// sources:" line and passes -DTEST_DATA_DIR (the absolute
 * path of tests/data).
 */
#ifndef _IMGSEC_TEST_H
#define _IMGSEC_TEST_H

#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#ifndef TEST_DATA_DIR
#define TEST_DATA_DIR "tests/data"
#endif

#define TEST_MAX_REASONS 5

struct test_state {
	unsigned int passed;
	unsigned int failed;
	unsigned int checks_failed;	/* in the current test */
	char name[256];
	bool running;
};

static struct test_state test_state __attribute__((unused));

static inline void test_begin(const char *fmt, ...)
	__attribute__((format(printf, 1, 2)));
static inline void test_begin(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(test_state.name, sizeof(test_state.name), fmt, ap);
	va_end(ap);
	test_state.checks_failed = 0;
	test_state.running = true;
}

/* Ends the current test; returns true if it passed. */
static inline bool test_end(void)
{
	bool ok = test_state.checks_failed == 0;

	if (ok) {
		test_state.passed++;
		printf("PASS: %s\n", test_state.name);
	} else {
		test_state.failed++;
		if (test_state.checks_failed > TEST_MAX_REASONS)
			printf("FAIL: %s: ... %u failed checks in all\n",
			       test_state.name, test_state.checks_failed);
	}
	test_state.running = false;
	fflush(stdout);
	return ok;
}

static inline void test_fail(const char *file, int line, const char *cond,
			     const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));
static inline void test_fail(const char *file, int line, const char *cond,
			     const char *fmt, ...)
{
	va_list ap;

	if (!test_state.running)
		test_begin("(outside any test)");
	if (++test_state.checks_failed > TEST_MAX_REASONS)
		return;
	printf("FAIL: %s: %s:%d: %s: ", test_state.name, file, line, cond);
	va_start(ap, fmt);
	vprintf(fmt, ap);
	va_end(ap);
	printf("\n");
}

/* Record a failure of the current test unless @cond holds. */
#define CHECK(cond, ...)						\
	do {								\
		if (!(cond))						\
			test_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
	} while (0)

/* Like CHECK, then leave the test function. */
#define REQUIRE(cond, ...)						\
	do {								\
		if (!(cond)) {						\
			test_fail(__FILE__, __LINE__, #cond, __VA_ARGS__); \
			return;						\
		}							\
	} while (0)

/* Integers, each evaluated once. */
#define CHECK_EQ(a, b)							\
	do {								\
		long long _a = (long long)(a), _b = (long long)(b);	\
									\
		if (_a != _b)						\
			test_fail(__FILE__, __LINE__, #a " == " #b,	\
				  "%lld != %lld", _a, _b);		\
	} while (0)

#define RUN(fn)								\
	do {								\
		test_begin("%s", #fn);					\
		fn();							\
		test_end();						\
	} while (0)

/* The last line of every test binary; its exit status. */
static inline int test_summary(void)
{
	if (test_state.running)
		test_end();
	printf("%u passed, %u failed\n", test_state.passed,
	       test_state.failed);
	return test_state.failed ? 1 : 0;
}

/*
 * Read TEST_DATA_DIR/@rel into a malloc'ed buffer; *len gets its size.
 * Returns NULL (and fails the current test) if it cannot.
 */
static inline unsigned char *test_read_data(const char *rel, size_t *len)
{
	char path[1024];
	unsigned char *buf = NULL;
	long size;
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", TEST_DATA_DIR, rel);
	f = fopen(path, "rb");
	if (!f)
		goto fail;
	if (fseek(f, 0, SEEK_END))
		goto fail;
	size = ftell(f);
	if (size < 0 || fseek(f, 0, SEEK_SET))
		goto fail;
	buf = malloc(size ? size : 1);
	if (!buf || fread(buf, 1, size, f) != (size_t)size)
		goto fail;
	fclose(f);
	*len = size;
	return buf;
fail:
	test_fail(__FILE__, __LINE__, "read", "cannot read %s", path);
	free(buf);
	if (f)
		fclose(f);
	return NULL;
}

#endif /* _IMGSEC_TEST_H */
