/*
 * client.h: the client (client.c).
 */
#ifndef CLIENT_H
#define CLIENT_H

/* The client: argv as given to pm; returns the process exit status. */
int	 client_main(int argc, char **argv);

#endif /* CLIENT_H */
