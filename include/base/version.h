/*
 * version.h - the program's version, for `--version` and the dashboard's
 * server page.
 */
#ifndef DOMECEK_VERSION_H
#define DOMECEK_VERSION_H

#define DOMECEK_VERSION "0.1.0"

#endif
