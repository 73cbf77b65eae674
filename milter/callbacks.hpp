// NAME
//	callbacks 3h
// SUMMARY
//	the libmilter callback table of milter503
// SYNOPSIS
//	#include "milter/callbacks.hpp"
// DESCRIPTION
//	bind_callbacks() points the callbacks at a Service and a MilterApi;
//	filter_description() is what smfi_register() takes. Every callback
//	returns CONTINUE:
//	milter503 never changes a message or a reply, and an exception inside
//	it is logged and swallowed so the session goes on.
//
//	The callbacks are exposed so tests can drive them with a fake API.
#pragma once

#include <libmilter/mfapi.h>

#include "milter/milter_api.hpp"
#include "milter/service.hpp"

namespace milter503::milter {

void bind_callbacks(Service* service, MilterApi* api);
smfiDesc& filter_description();

namespace callback {
sfsistat negotiate(SMFICTX* ctx, unsigned long f0, unsigned long f1, unsigned long f2,
                   unsigned long f3, unsigned long* pf0, unsigned long* pf1, unsigned long* pf2,
                   unsigned long* pf3);
sfsistat connect(SMFICTX* ctx, char* hostname, _SOCK_ADDR* address);
sfsistat helo(SMFICTX* ctx, char* helo);
sfsistat envfrom(SMFICTX* ctx, char** argv);
sfsistat envrcpt(SMFICTX* ctx, char** argv);
sfsistat data(SMFICTX* ctx);
sfsistat header(SMFICTX* ctx, char* name, char* value);
sfsistat eom(SMFICTX* ctx);
sfsistat abort(SMFICTX* ctx);
sfsistat close(SMFICTX* ctx);
}  // namespace callback

}  // namespace milter503::milter
