/*
 * layout.c - print sizeof and offsetof of glibc's struct msqid_ds, one
 * "name value" a line, to check the Go struct sysv.MsqidDs against.
 */
#include <stddef.h>
#include <stdio.h>
#include <sys/ipc.h>
#include <sys/msg.h>

#define OFF(f) printf("%s %zu\n", #f, offsetof(struct msqid_ds, f))

int main(void)
{
	printf("sizeof %zu\n", sizeof(struct msqid_ds));
	printf("sizeof_ipc_perm %zu\n", sizeof(struct ipc_perm));
	printf("sizeof_long %zu\n", sizeof(long));
	OFF(msg_perm);
	OFF(msg_perm.__key);
	OFF(msg_perm.uid);
	OFF(msg_perm.mode);
	OFF(msg_stime);
	OFF(msg_rtime);
	OFF(msg_ctime);
	OFF(__msg_cbytes);
	OFF(msg_qnum);
	OFF(msg_qbytes);
	OFF(msg_lspid);
	OFF(msg_lrpid);
	return 0;
}
