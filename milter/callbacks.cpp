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

// Stages milter503 has nothing to say about: ask the MTA not to wait for
// an answer, and not to send what we never read.
constexpr unsigned long wanted_protocol_flags =
    SMFIP_RCPT_REJ | SMFIP_NOBODY | SMFIP_NOUNKNOWN | SMFIP_NOEOH | SMFIP_NR_CONN |
    SMFIP_NR_HELO | SMFIP_NR_MAIL | SMFIP_NR_RCPT | SMFIP_NR_DATA | SMFIP_NR_HDR;

Connection* connection_of(SMFICTX* ctx) {
    return static_cast<Connection*>(bound_api->getpriv(ctx));
}

Connection& ensure_connection(SMFICTX* ctx) {
    if (Connection* existing = connection_of(ctx)) return *existing;
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
sfsistat guarded(SMFICTX* ctx, const char* stage, unsigned long no_reply_flag, Body body) {
    Connection* connection = nullptr;
    try {
        connection = connection_of(ctx);
        if (connection != nullptr) body(*connection);
    } catch (const std::exception& e) {
        log_exception(stage, e.what());
    } catch (...) {
        log_exception(stage, "unknown exception");
    }
    return connection != nullptr ? connection->reply(no_reply_flag) : SMFIS_CONTINUE;
}

void request_macros(SMFICTX* ctx) {
    bound_api->setsymlist(ctx, SMFIM_CONNECT, connect_macros);
    bound_api->setsymlist(ctx, SMFIM_HELO, helo_macros);
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
                   unsigned long* pf0, unsigned long* pf1, unsigned long* pf2,
                   unsigned long* pf3) {
    try {
        Connection& connection = ensure_connection(ctx);
        *pf0 = f0 & SMFIF_SETSYMLIST;
        *pf1 = f1 & wanted_protocol_flags;
        *pf2 = 0;
        *pf3 = 0;
        connection.set_no_reply_flags(*pf1);
        if ((*pf0 & SMFIF_SETSYMLIST) != 0) request_macros(ctx);
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
    return guarded(ctx, "connect", SMFIP_NR_CONN, [&](Connection& c) {
        c.connect(Macros(*bound_api, ctx), hostname, address);
    });
}

sfsistat helo(SMFICTX* ctx, char* helo) {
    return guarded(ctx, "helo", SMFIP_NR_HELO, [&](Connection& c) { c.helo(helo); });
}

sfsistat envfrom(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "envfrom", SMFIP_NR_MAIL, [&](Connection& c) {
        c.mail(Macros(*bound_api, ctx), argv != nullptr ? argv[0] : nullptr);
    });
}

sfsistat envrcpt(SMFICTX* ctx, char** argv) {
    return guarded(ctx, "envrcpt", SMFIP_NR_RCPT, [&](Connection& c) {
        c.rcpt(Macros(*bound_api, ctx), argv != nullptr ? argv[0] : nullptr);
    });
}

sfsistat data(SMFICTX* ctx) {
    return guarded(ctx, "data", SMFIP_NR_DATA,
                   [&](Connection& c) { c.data(Macros(*bound_api, ctx)); });
}

sfsistat header(SMFICTX* ctx, char* name, char* value) {
    return guarded(ctx, "header", SMFIP_NR_HDR,
                   [&](Connection& c) { c.header(name, value); });
}

sfsistat eom(SMFICTX* ctx) {
    return guarded(ctx, "eom", 0, [&](Connection& c) { c.end_of_message(Macros(*bound_api, ctx)); });
}

sfsistat abort(SMFICTX* ctx) {
    return guarded(ctx, "abort", 0, [](Connection& c) { c.abort(); });
}

sfsistat close(SMFICTX* ctx) {
    Connection* connection = nullptr;
    try {
        connection = connection_of(ctx);
        if (connection != nullptr) connection->close();
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
