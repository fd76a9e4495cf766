/*
 * main.c - the program's entry point: everything else is the command line
 * (src/cli/cli.c), which may start the daemon (src/daemon.c).
 */
#include "cli/cli.h"

extern char **environ;

int main(int argc, char **argv)
{
	return cli_main(argc, argv, environ);
}
