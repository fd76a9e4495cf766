/*
 * version.h - the program's version, for `--version` and the dashboard's
 * server page. The Makefile defines DOMECEK_VERSION from the first line of
 * debian/changelog, the one place the version is written (and rebuilds
 * the objects that use it when that file changes);
 * tests/package/version.sh checks that --version prints it.
 */
#ifndef DOMECEK_VERSION_H
#define DOMECEK_VERSION_H

#ifndef DOMECEK_VERSION
#define DOMECEK_VERSION "unknown (built without the Makefile)"
#endif

#endif
