/*
 * fpe_overflow.c - when does floating-point overflow raise SIGFPE?
 *
 * Not an article program: the experiment behind erratum 8 of ../README.md.
 * By default every floating-point exception is masked: 1e308 * 10 gives
 * infinity and no signal. With the overflow exception unmasked
 * (feenableexcept, a glibc extension), the same multiplication traps and
 * the kernel sends SIGFPE (si_code FPE_FLTOVF) on x86-64. Some CPUs (most
 * arm64 ones) cannot trap: feenableexcept fails there, and this says so.
 *
 *   gcc -Wall -Wextra -o fpe_overflow fpe_overflow.c -lm
 *   ./fpe_overflow        # prints inf, exits 0
 *   ./fpe_overflow trap   # killed by SIGFPE
 */
#define _GNU_SOURCE
#include <fenv.h>
#include <stdio.h>
#include <string.h>

int main(int argc, char *argv[])
{
	volatile double big = 1e308;
	double r;

	if (argc > 1 && strcmp(argv[1], "trap") == 0) {
		if (feenableexcept(FE_OVERFLOW) == -1) {
			printf("feenableexcept(FE_OVERFLOW) failed: this CPU cannot trap on overflow\n");
			return 3;
		}
		printf("overflow exception unmasked\n");
		fflush(stdout);
	}
	r = big * 10;
	printf("1e308 * 10 = %g, no signal\n", r);
	return 0;
}
