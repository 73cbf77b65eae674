// NAME
//	reply 3h
// SUMMARY
//	the one SMTP reply splitter: code, enhanced status, address, text
// SYNOPSIS
//	#include "policy/reply.hpp"
// DESCRIPTION
//	split_reply() takes a reply as an MTA logs or sends it:
//	  Postfix  `554 5.7.1 <someone@remote.test>: Relay access denied`
//	  Sendmail `550 5.7.1 <someone@remote.test>... Relaying denied. ...`
//	  Exim     `relay not permitted` (the ACL message, no code)
//	  a line of a multi-line reply, `550-5.7.1 ...`
//	and returns views of its parts: the code (`554`), the RFC 3463
//	enhanced status (`5.7.1`), the address of a leading `<address>: ` or
//	`<address>... ` (without the angle brackets) and the text after them.
//	Each part is empty when the reply lacks it; nothing is ever dropped
//	that is not one of those parts.
//
//	split_refusal() reads what an MTA passes a milter for a refused
//	recipient (SMFIP_RCPT_REJ, {rcpt_mailer} = error):
//	  Postfix        {rcpt_host} = `5.7.1`, {rcpt_addr} = `Relay access denied`
//	  Sendmail 8.17  {rcpt_host} = `5.1.1`,
//	                 {rcpt_addr} = `550 5.1.1 <x@example.org>... User unknown`
//	The status is {rcpt_host} when it is an enhanced status code, else
//	the one in the text. Either way the result reads the same for both
//	MTAs.
#pragma once

#include <string_view>

namespace milter503::policy {

struct Reply {
    std::string_view code;     // 3 digits, or empty
    std::string_view status;   // class.subject.detail, or empty
    std::string_view address;  // from `<address>: ` or `<address>... `, or empty
    std::string_view text;     // the rest
};

Reply split_reply(std::string_view reply);

// {rcpt_host} and {rcpt_addr} of a refused recipient.
Reply split_refusal(std::string_view rcpt_host, std::string_view rcpt_addr);

// `class.subject.detail`, class 2, 4 or 5, subject and detail 1-3 digits.
bool is_enhanced_status(std::string_view text);

}  // namespace milter503::policy
