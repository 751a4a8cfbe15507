Feature: Email magic links
  A user signs in by clicking a link Stytch emails: the link works once, expires, and starts a
  session whose factor names the email it proved. Invites create pending users who become active
  when they click; PKCE ties the click to the device that asked for the link.

  Scenario: Magic-link login
    Given a user who can receive magic links
    When a magic link is sent to the user
    And the user clicks the magic link for 60 minutes
    Then the session has exactly these factors:
      | type       | delivery_method |
      | magic_link | email           |
    And the magic link factor carries the email address
    And the session expires in 60 minutes
    And the user's email is verified
    And the session token authenticates

  Scenario: A magic link without a session duration starts no session
    Given a user who can receive magic links
    When a magic link is sent to the user
    And the user clicks the magic link without a session
    Then no session was started

  @requires:read-codes
  Scenario: Sign-up with a pending user
    Given someone with a new email address
    When the user asks for a magic link as a pending user
    Then the magic link is a sign-up link
    And the user is pending
    When the user clicks the magic link for 30 minutes
    Then the user is active
    And the user's email is verified
    When the user asks for a magic link
    Then the magic link is a login link

  @requires:read-codes
  Scenario: A used magic link is refused
    Given a user who can receive magic links
    When a magic link is sent to the user
    And the user clicks the magic link for 30 minutes
    And the user clicks the same magic link again
    Then the request fails with status 401 and error "unable_to_auth_magic_link"

  @requires:read-codes @requires:clock-control
  Scenario: A magic link works until it expires
    Given a user who can receive magic links
    When a magic link expiring in 5 minutes is sent to the user
    And 4 minutes pass
    And the user clicks the magic link for 30 minutes
    Then the session has the factor "magic_link" delivered by "email"

  @requires:read-codes @requires:clock-control
  Scenario: An expired magic link is refused
    Given a user who can receive magic links
    When a magic link expiring in 5 minutes is sent to the user
    And 5 minutes pass
    And the user clicks the magic link for 30 minutes
    Then the request fails with status 401 and error "unable_to_auth_magic_link"

  @requires:read-codes
  Scenario: An invited user accepts
    Given someone with a new email address
    When the user is invited by magic link
    Then the magic link is an invite link
    And the user is pending
    When the user clicks the magic link for 30 minutes
    Then the user is active
    And the session has exactly these factors:
      | type       | delivery_method |
      | magic_link | email           |

  @requires:read-codes
  Scenario: A revoked invite cannot be accepted
    Given someone with a new email address
    When the user is invited by magic link
    And the invite is revoked
    And the user clicks the magic link for 30 minutes
    Then the request fails with status 404 and error "magic_link_not_found"

  @requires:read-codes
  Scenario: With PKCE, only the code verifier opens the link
    Given a user who can receive magic links
    When a magic link with a PKCE code challenge is sent to the user
    And the user clicks the magic link without the code verifier
    Then the request fails with status 400 and error "pkce_expected_code_verifier"
    When the user clicks the magic link with a wrong code verifier
    Then the request fails with status 400 and error "pkce_mismatch"
    When the user clicks the magic link for 30 minutes
    Then the session has the factor "magic_link" delivered by "email"

  Scenario: A magic link as the primary factor, stepped up with an SMS code
    Given a user who can receive magic links
    When a magic link is sent to the user
    And the user clicks the magic link for 60 minutes
    Then the request to a magic-link-protected page is refused with "missing_factor"
    When an SMS code is sent to the user's phone with the session token
    And the user enters the SMS code with the session token
    Then the session has exactly these factors:
      | type       | delivery_method |
      | magic_link | email           |
      | otp        | sms             |
    And the session id is unchanged
    And the new session token authenticates
    And the request to a magic-link-protected page is allowed

  Scenario Outline: The sandbox magic-link token that <case>
    When the magic link token "<token>" is authenticated for 5 minutes
    Then the result is <outcome>

    Examples:
      | case                | token                                        | outcome                               |
      | authenticates       | DOYoip3rvIMMW5lgItikFK-Ak1CfMsgjuiCyI7uuU94= | a session of the sandbox user         |
      | cannot authenticate | 3pzjQpgksDlGKWEwUq2Up--hCHC_0oamfLHyfspKDFU= | the error "unable_to_auth_magic_link" |
      | is not found        | CprTtwhnRNiMBiUS2jSLcWYrfuO2POeBNdo5HhW6qTM= | the error "magic_link_not_found"      |
