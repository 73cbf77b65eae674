// NAME
//	milter_api 3h
// SUMMARY
//	the seam between milter503's callbacks and libmilter's smfi_* calls
// SYNOPSIS
//	#include "milter/milter_api.hpp"
// DESCRIPTION
//	The callbacks reach libmilter only through MilterApi, so unit tests
//	drive them with a fake context: no socket, no MTA. LibMilterApi is the
//	real one. Contexts are opaque pointers either way.
#pragma once

#include <libmilter/mfapi.h>

#include <string>

namespace milter503::milter {

class MilterApi {
  public:
    virtual ~MilterApi() = default;
    // nullptr when the MTA did not send the macro.
    virtual const char* getsymval(SMFICTX* ctx, const char* name) = 0;
    virtual void* getpriv(SMFICTX* ctx) = 0;
    virtual void setpriv(SMFICTX* ctx, void* data) = 0;
    // Only valid inside negotiate; false when the MTA refused the list.
    virtual bool setsymlist(SMFICTX* ctx, int stage, const char* macros) = 0;
};

class LibMilterApi final : public MilterApi {
  public:
    const char* getsymval(SMFICTX* ctx, const char* name) override;
    void* getpriv(SMFICTX* ctx) override;
    void setpriv(SMFICTX* ctx, void* data) override;
    bool setsymlist(SMFICTX* ctx, int stage, const char* macros) override;
};

// The value of a macro of one context, "" when absent.
class Macros {
  public:
    Macros(MilterApi& api, SMFICTX* ctx) : api_(api), ctx_(ctx) {}
    std::string get(const char* name) const {
        const char* value = api_.getsymval(ctx_, name);
        return value == nullptr ? std::string() : std::string(value);
    }
    bool has(const char* name) const { return api_.getsymval(ctx_, name) != nullptr; }

  private:
    MilterApi& api_;
    SMFICTX* ctx_;
};

}  // namespace milter503::milter
