// NAME
//	callbacks 3
// SUMMARY
//	thin libmilter callbacks over a per-connection Connection
// DESCRIPTION
//	Each callback finds its Connection through the private pointer and
//	forwards one call. The Connection is created at negotiate, which
//	libmilter runs first for every connection; connect creates it when
//	negotiate did not (an older MTA), and close may come with none at all.
#include "milter/callbacks.hpp"

#include <libmilter/mfdef.h>

#include <exception>
#include <string>

#include "milter/connection.hpp"
#include "policy/log_format.hpp"

namespace milter503::milter {
namespace {

Service* bound_service = nullptr;
MilterApi* bound_api = nullptr;

// Rejected recipients too, and not what we never read (body, unknown
// commands, end of headers). No SMFIP_NR_* (answer-less stages): measured
// with Postfix 3.7 on loopback TCP (bench/milter-run), they cut its
// throughput by 3x whatever the milter does, because its unanswered small
// writes then wait on Nagle's algorithm and delayed ACKs; with a reply per
// stage, and on unix sockets, the difference is within noise.
constexpr unsigned long wanted_protocol_flags =
    SMFIP_RCPT_REJ | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH;

Connection* connection_of(SMFICTX* ctx) {
    return static_cast<Connection*>(bound_api->getpriv(ctx));
}

Connection& ensure_connection(SMFICTX* ctx) {
    if (Connection* existing = connection_of(ctx))
        return *existing;
    auto* created = new Connection(*bound_service);
    bound_api->setpriv(ctx, created);
    return *created;
}

void log_exception(const char* stage, const char* what) {
    std::string line = "error:";
    logfmt::append_field(line, logfmt::key::phase, stage);
    logfmt::append_field(line, logfmt::key::detail, what);
    bound_service->log(Severity::error, line);
}

// Runs `body` on the connection; any exception is logged and the stage
// answered as if nothing happened.
template <typename Body>
sfsistat guarded(SMFICTX* ctx, const char* stage, Body body) {
    try {
        if (Connection* connection = connection_of(ctx))
            body(*connection);
    } catch (const std::exception& e) {
        log_exception(stage, e.what());
    } catch (...) {
        log_exception(stage, "unknown exception");
    }
    return SMFIS_CONTINUE;
}

void request_macros(SMFICTX* ctx) {
    bound_api->setsymlist(ctx, SMFIM_CONNECT, connect_macros);
    bound_api->setsymlist(ctx, SMFIM_ENVFROM, envfrom_macros);
    bound_api->setsymlist(ctx, SMFIM_ENVRCPT, envrcpt_macros);
    bound_api->setsymlist(ctx, SMFIM_DATA, data_macros);
    bound_api->setsymlist(ctx, SMFIM_EOM, eom_macros);
}

}  // namespace

void bind_callbacks(Service* service, MilterApi* api) {
    bound_service = service;
    bound_api = api;
}

namespace callback {

sfsistat negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long, unsigned long,
                   unsigned long* pf0, unsigned long* pf1, unsigned long* pf2, unsigned long* pf3) {
    try {
        Connection& connection = ensure_connection(ctx);
        *pf0 = f0 & SMFIF_SETSYMLIST;
        *pf1 = f1 & wanted_protocol_flags;
        connection.set_refused_rcpts_negotiated((*pf1 & SMFIP_RCPT_REJ) != 0);
        *pf2 = 0;
        *pf3 = 0;
        if ((*pf0 & SMFIF_SETSYMLIST) != 0)
            request_macros(ctx);
    } catch (const std::exception& e) {
        log_exception("negotiate", e.what());
        *pf0 = 0;
        *pf1 = 0;
        *pf2 = 0;
        *pf3 = 0;
    }
    return SMFIS_CONTINUE;
}

sfsistat connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* address) {
    try {
        ensure_connection(ctx);
    } catch (const std::exception& e) {
        log_exception("connect", e.what());
    }
    return guarded(ctx, "connect",
                   [&](Connection& c) { c.connect(Macros(*bound_api, ctx), hostname, address); });
}

sfsistat helo(SMFICTX* ctx, char* helo) {
    return guarded(ctx, "helo", [&](Connection& c) { c.helo(helo); });
}

sfsistat envfrom(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "envfrom", [&](Connection& c) {
        c.mail(Macros(*bound_api, ctx), argv != nullptr ? argv[0] : nullptr);
    });
}

sfsistat envrcpt(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "envrcpt", [&](Connection& c) {
        c.rcpt(Macros(*bound_api, ctx), argv != nullptr ? argv[0] : nullptr);
    });
}

sfsistat data(SMFICTX* ctx) {
    return guarded(ctx, "data", [&](Connection& c) { c.data(Macros(*bound_api, ctx)); });
}

sfsistat header(SMFICTX* ctx, char* name, char* value) {
    return guarded(ctx, "header", [&](Connection& c) { c.header(name, value); });
}

sfsistat eom(SMFICTX* ctx) {
    return guarded(ctx, "eom", [&](Connection& c) { c.end_of_message(Macros(*bound_api, ctx)); });
}

sfsistat abort(SMFICTX* ctx) {
    return guarded(ctx, "abort", [](Connection& c) { c.abort(); });
}

sfsistat close(SMFICTX* ctx) {
    Connection* connection = nullptr;
    try {
        connection = connection_of(ctx);
        if (connection != nullptr)
            connection->close();
    } catch (const std::exception& e) {
        log_exception("close", e.what());
    } catch (...) {
        log_exception("close", "unknown exception");
    }
    delete connection;
    bound_api->setpriv(ctx, nullptr);
    return SMFIS_CONTINUE;
}

}  // namespace callback

smfiDesc& filter_description() {
    static smfiDesc description = {
        const_cast<char*>("milter503"),
        SMFI_VERSION,
        SMFIF_SETSYMLIST,  // the only action: we never change a message
        callback::connect,
        callback::helo,
        callback::envfrom,
        callback::envrcpt,
        callback::header,
        nullptr,  // eoh
        nullptr,  // body
        callback::eom,
        callback::abort,
        callback::close,
        nullptr,  // unknown
        callback::data,
        callback::negotiate,
    };
    return description;
}

}  // namespace milter503::milter
