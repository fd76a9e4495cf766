/* main.c - command line (being written) */
#include <stdio.h>
int main(void)
{
	puts("domecek-jobs");
	return 0;
}
