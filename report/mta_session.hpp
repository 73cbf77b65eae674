// NAME
//	mta_session 3h
// SUMMARY
//	one SMTP session as the logs tell it, after joining
// SYNOPSIS
//	#include "report/mta_session.hpp"
// DESCRIPTION
//	The joiner builds an MtaSession from the MTA's lines and the milter's
//	findings for the same connection, and hands it over once it ended.
//	What a "session" is depends on the MTA's log:
//	  postfix   one connection: connect ... disconnect of one smtpd pid
//	  sendmail  one transaction: the lines of one queue id up to from=
//	  exim      the rejected RCPTs of one client address up to the
//	            protocol error (or an arrival, or a minute of silence)
//	  milter    findings no MTA line could be joined to
//	Everything is bounded: at most max_evidence reject lines and findings
//	are kept per session (the rest only counted).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/finding.hpp"
#include "report/timestamp.hpp"

namespace milter503::report {

enum class Mta { postfix, sendmail, exim, milter };

std::string_view mta_name(Mta mta);

struct RejectLine {
    UnixTime time = 0;
    std::string stage;  // "RCPT", "MAIL", "check_rcpt", ...
    std::string reply;  // "554 5.7.1 <r>: Relay access denied"
    std::string sender;
    std::string recipient;
};

struct MtaSession {
    static constexpr size_t max_evidence = 4;

    Mta mta = Mta::postfix;
    std::string host;
    UnixTime start = 0;
    UnixTime end = 0;
    UnixTime last_activity = 0;
    std::string client_addr;
    std::string client_name;
    std::string client_port;
    std::string helo;
    std::string login;
    std::vector<std::string> queue_ids;  // at most max_evidence

    std::vector<RejectLine> rejects;
    unsigned rejects_total = 0;
    // Postfix rejects at the DATA stage (smtpd_data_restrictions, a milter
    // at DATA): refused DATA commands that are not a 503/554 "no valid
    // recipients".
    unsigned data_stage_rejects = 0;
    std::vector<std::pair<UnixTime, policy::Finding>> findings;
    unsigned findings_total = 0;

    bool data_refused = false;  // proven by the MTA's log
    bool pipelining = false;    // Postfix "improper command pipelining"
    bool accepted = false;      // a message was accepted in the session
    bool ended = false;         // disconnect / from= / protocol error seen

    void add_reject(RejectLine line);
    void add_finding(UnixTime time, policy::Finding finding);
    // Takes over the findings of a milter-only session found to be this one.
    void absorb_findings(MtaSession&& other);
    void add_queue_id(std::string_view queue_id);
    bool has_queue_id(std::string_view queue_id) const;
};

}  // namespace milter503::report
