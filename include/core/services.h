/*
 * services.h - what the daemon hands to jobs besides the database: the
 * storage, the mail sender and the network driver. A job uses what it
 * needs; any member may be NULL when a command does not set it up.
 */
#ifndef DOMECEK_SERVICES_H
#define DOMECEK_SERVICES_H

struct storage;
struct net;

struct services {
	struct storage *storage;
	struct net *net;
};

#endif
