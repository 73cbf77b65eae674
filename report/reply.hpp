// NAME
//	reply 3h
// SUMMARY
//	split an SMTP reply as MTAs log it into code, status and reason
// SYNOPSIS
//	#include "report/reply.hpp"
// DESCRIPTION
//	split_reply() takes what follows `reject:`/`reject=` in a log line:
//	  Postfix  `554 5.7.1 <someone@remote.test>: Relay access denied`
//	  Sendmail `550 5.7.1 <someone@remote.test>... Relaying denied. ...`
//	  Exim     `relay not permitted` (no code: Exim logs the ACL message)
//	and returns views of the code (`554`), the enhanced status (`5.7.1`)
//	and the reason with the leading `<address>: ` or `<address>... `
//	removed, which is what policy::classify_rejection() expects.
#pragma once

#include <string_view>

namespace milter503::report {

struct ReplyParts {
    std::string_view code;    // 3 digits, or empty
    std::string_view status;  // d.d.d, or empty
    std::string_view reason;
};

ReplyParts split_reply(std::string_view reply);

}  // namespace milter503::report
