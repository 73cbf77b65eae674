// NAME
//	session 3h
// SUMMARY
//	the per-connection SMTP state machine and its findings
// SYNOPSIS
//	#include "policy/session.hpp"
// DESCRIPTION
//	One Session follows one SMTP connection through the events libmilter
//	delivers: connect, helo, mail, rcpt (accepted, or rejected when the MTA
//	passes rejected recipients), header, end of message, abort, close. Any
//	order the MTAs produce is valid input: abort between any two steps,
//	close without connect, several transactions, MAIL after MAIL (RSET).
//	No event throws on client data.
//
//	Each event returns the findings that became certain with it:
//	- mail: unauthenticated-sender, sender-login-mismatch;
//	- rcpt: mailbox-full;
//	- header From: header-from-mismatch, display-name-special (with the
//	  queue id learnt at DATA);
//	- abort, next mail, close: no-accepted-rcpt, when the transaction had an
//	  accepted MAIL and no accepted RCPT (the client's DATA got 503/554:
//	  the milter never sees that DATA, it infers it).
//	Each finding is emitted at most once per transaction.
//
//	A rejected RCPT arrives with {rcpt_mailer} = "error", {rcpt_host} = the
//	enhanced status and {rcpt_addr} = the reply text (Postfix >= 2.6 with
//	SMFIP_RCPT_REJ); any other mailer means accepted.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "policy/finding.hpp"
#include "policy/settings.hpp"

namespace milter503::policy {

// Senders that were seen authenticated or from a trusted network, shared
// by all sessions; lets a relay denial be told apart as a client that
// moved (VPN, travel): cause left-trusted-network.
class SenderHistory {
  public:
    virtual ~SenderHistory() = default;
    virtual bool was_trusted(std::string_view sender) const = 0;
    virtual void remember_trusted(std::string_view sender) = 0;
};

struct ConnectEvent {
    std::string conn_id;
    std::string client_name;  // {client_name} or hostname arg; "unknown" if none
    std::string client_addr;  // {client_addr}
    std::string client_port;  // {client_port}
    std::string daemon_port;  // {daemon_port}
    // The MTA passes every recipient its restrictions refused (Postfix
    // with SMFIP_RCPT_REJ): a transaction with no RCPT event at all then
    // means the client sent none. Sendmail hides check_rcpt refusals.
    bool refused_rcpts_reported = false;
};

struct MailEvent {
    std::string sender;      // argv[0], with or without <> and parameters
    std::string auth_login;  // {auth_authen}, empty when not authenticated
    std::string queue_id;    // {i}, empty when not known yet
};

struct RcptEvent {
    std::string recipient;  // argv[0]
    std::string mailer;     // {rcpt_mailer}
    std::string host;       // {rcpt_host}: status for mailer "error"
    std::string addr;       // {rcpt_addr}: text for mailer "error"
    std::string queue_id;   // {i}

    // The MTA refused it: {rcpt_mailer} is "error" (any case), the one
    // sign Postfix and Sendmail give (SMFIP_RCPT_REJ).
    bool refused() const;
};

class Session {
  public:
    // `history` may be null (no left-trusted-network detection).
    Session(std::shared_ptr<const Settings> settings, SenderHistory* history);

    std::vector<Finding> on_connect(const ConnectEvent& event);
    std::vector<Finding> on_helo(std::string_view helo);
    std::vector<Finding> on_mail(const MailEvent& event);
    std::vector<Finding> on_rcpt(const RcptEvent& event);
    // DATA was accepted: the transaction has a recipient. Postfix assigns
    // the queue id only after the first accepted RCPT, so {i} at DATA is
    // the first value the header findings can carry.
    std::vector<Finding> on_data(std::string_view queue_id);
    std::vector<Finding> on_header(std::string_view name, std::string_view value);
    std::vector<Finding> on_end_of_message(std::string_view queue_id);
    std::vector<Finding> on_abort();
    std::vector<Finding> on_close();

    // Transactions (accepted MAIL) seen so far in this session.
    unsigned transactions() const { return transactions_; }
    const ConnectEvent& connection() const { return connect_; }
    const std::string& helo() const { return helo_; }
    const Settings& settings() const { return *settings_; }

  private:
    struct Transaction {
        bool open = false;
        std::string sender;
        std::string auth_login;
        std::string queue_id;
        unsigned rcpt_ok = 0;
        std::vector<RejectedRcpt> rejected;
        bool header_from_seen = false;
        bool mailbox_full_reported = false;
        unsigned rejected_count = 0;  // `rejected` keeps only the first few
        std::vector<std::pair<Cause, unsigned>> cause_counts;  // first seen first
    };

    std::vector<Finding> end_transaction();
    Finding make_finding(FindingKind kind, Cause cause) const;
    Cause sharpen_cause(Cause cause) const;
    Cause classify(const RejectedRcpt& rcpt) const;
    std::string advice_for(Cause cause) const;
    bool client_trusted() const;
    bool authenticated() const { return !txn_.auth_login.empty(); }
    void check_sender(std::vector<Finding>& findings);
    void check_header_from(std::string_view value, std::vector<Finding>& findings);
    void record_rejection(RejectedRcpt rcpt, std::vector<Finding>& findings);
    Finding no_accepted_rcpt() const;

    std::shared_ptr<const Settings> settings_;
    SenderHistory* history_;
    ConnectEvent connect_;
    std::string helo_;
    Transaction txn_;
    unsigned transactions_ = 0;
};

}  // namespace milter503::policy
