/*
 * cacert: the Mozilla CA bundle compiled into the static binary, used only
 * when the target has no system CA store (see lib/http.c). CA_FILE is the
 * bundle's path, given by the Makefile.
 */
	.section .rodata
	.global fg_cacert
	.type fg_cacert, @object
	.balign 16
fg_cacert:
	.incbin CA_FILE
fg_cacert_end:
	.byte 0
	.size fg_cacert, . - fg_cacert

	.global fg_cacert_len
	.type fg_cacert_len, @object
	.balign 4
fg_cacert_len:
	.int fg_cacert_end - fg_cacert
	.size fg_cacert_len, 4

	.section .note.GNU-stack, "", @progbits
