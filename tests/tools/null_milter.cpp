// NAME
//	null-milter 8
// SUMMARY
//	a libmilter filter that does nothing: the baseline of the benchmarks
// SYNOPSIS
//	null-milter inet:PORT@127.0.0.1
// DESCRIPTION
//	Registers the same callbacks as milter503 and negotiates the same
//	protocol flags (no body, rejected recipients included), and does no
//	work in them. Measured beside
//	milter503 in one run, the difference is what milter503's diagnosis,
//	per-connection state and logging cost the MTA.
#include <libmilter/mfapi.h>

#include <cstdio>

namespace {

constexpr unsigned long wanted_protocol =
    SMFIP_RCPT_REJ | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH;

sfsistat negotiate(SMFICTX*, unsigned long, unsigned long f1, unsigned long, unsigned long,
                   unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
    *pf0 = 0;
    *pf1 = f1 & wanted_protocol;
    *pf2 = 0;
    *pf3 = 0;
    return SMFIS_CONTINUE;
}

sfsistat connect(SMFICTX*, char*, _SOCK_ADDR*) {
    return SMFIS_CONTINUE;
}
sfsistat one_arg(SMFICTX*, char*) {
    return SMFIS_CONTINUE;
}
sfsistat args(SMFICTX*, char**) {
    return SMFIS_CONTINUE;
}
sfsistat header(SMFICTX*, char*, char*) {
    return SMFIS_CONTINUE;
}
sfsistat proceed(SMFICTX*) {
    return SMFIS_CONTINUE;
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 2) {
        std::fprintf(stderr, "usage: null-milter SOCKET\n");
        return 64;
    }
    smfiDesc description = {
        const_cast<char*>("null-milter"),
        SMFI_VERSION,
        0,
        connect,
        one_arg,
        args,
        args,
        header,
        nullptr,
        nullptr,
        proceed,
        proceed,
        proceed,
        nullptr,
        proceed,
        negotiate,
    };
    if (smfi_setconn(argv[1]) != MI_SUCCESS || smfi_register(description) != MI_SUCCESS ||
        smfi_opensocket(1) != MI_SUCCESS) {
        std::fprintf(stderr, "null-milter: cannot listen on %s\n", argv[1]);
        return 69;
    }
    return smfi_main() == MI_SUCCESS ? 0 : 70;
}
