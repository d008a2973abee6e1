/*
 * client.h: the client (client.c).
 */
#ifndef CLIENT_H
#define CLIENT_H

#include <stdbool.h>

/* The client: argv as given to pm; returns the process exit status. */
int	 client_main(int argc, char **argv);
bool	 client_cmd(int argc, char **argv);	/* a client command line? */
void	 client_usage(bool err);

#endif /* CLIENT_H */
