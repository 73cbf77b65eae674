// NAME
//	connection 3h
// SUMMARY
//	one MTA connection: macros in, policy events out
// SYNOPSIS
//	#include "milter/connection.hpp"
// DESCRIPTION
//	Created at negotiate (or connect, when negotiate did not run) and freed
//	at close. Each method copies the macros its stage needs, hands one
//	event to policy::Session and passes the findings to the Service. It
//	keeps the configuration snapshot it was created with.
#pragma once

#include <sys/socket.h>

#include <memory>
#include <string>

#include "conf/config.hpp"
#include "milter/milter_api.hpp"
#include "milter/service.hpp"
#include "policy/session.hpp"

namespace milter503::milter {

class Connection {
  public:
    explicit Connection(Service& service);

    // At negotiate: the MTA agreed to pass refused recipients (SMFIP_RCPT_REJ).
    void set_refused_rcpts_negotiated(bool negotiated) { rcpt_rej_ = negotiated; }
    void connect(const Macros& macros, const char* hostname, const sockaddr* address);
    void helo(const char* helo);
    void mail(const Macros& macros, const char* sender);
    void rcpt(const Macros& macros, const char* recipient);
    void data(const Macros& macros);
    void header(const char* name, const char* value);
    void end_of_message(const Macros& macros);
    void abort();
    void close();

  private:
    void check_macro(const Macros& macros, const char* name, MacroStage stage, const char* effect);
    void log_phase(std::string_view phase, std::string_view detail = {});
    void report(const std::vector<policy::Finding>& findings) { service_.report(findings); }

    Service& service_;
    std::shared_ptr<const conf::Config> config_;
    policy::Session session_;
    bool postfix_ = false;
    bool rcpt_rej_ = false;
    bool connected_ = false;
};

}  // namespace milter503::milter
