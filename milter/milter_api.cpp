// NAME
//	milter_api 3
// SUMMARY
//	LibMilterApi: the real smfi_* calls behind the seam
#include "milter/milter_api.hpp"

#include <string>

namespace milter503::milter {

const char* LibMilterApi::getsymval(SMFICTX* ctx, const char* name) {
    // libmilter's prototype predates const.
    std::string copy(name);
    return smfi_getsymval(ctx, copy.data());
}

void* LibMilterApi::getpriv(SMFICTX* ctx) {
    return smfi_getpriv(ctx);
}

void LibMilterApi::setpriv(SMFICTX* ctx, void* data) {
    smfi_setpriv(ctx, data);
}

bool LibMilterApi::setsymlist(SMFICTX* ctx, int stage, const char* macros) {
    std::string copy(macros);
    return smfi_setsymlist(ctx, stage, copy.data()) == MI_SUCCESS;
}

}  // namespace milter503::milter
