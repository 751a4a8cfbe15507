Feature: Primary factor
  A user signs in with a password or an email code, and Stytch starts a session that
  records exactly how the user authenticated.

  Scenario: Password sign-in starts a session with one knowledge factor
    Given a user with a verified email and a password
    When the user signs in with their password for 60 minutes
    Then the session has exactly these factors:
      | type     | delivery_method |
      | password | knowledge       |
    And the session expires in 60 minutes
    And the session token authenticates

  @requires:real-password-check
  Scenario: A wrong password is refused
    Given a user with a verified email and a password
    When the user signs in with the wrong password
    Then the request fails with status 401 and error "unauthorized_credentials"

  Scenario: Signing in without a session duration starts no session
    Given a user with a verified email and a password
    When the user signs in with their password without a session
    Then no session was started

  Scenario: An email code as the primary factor
    Given a user who can receive email codes
    When an email code is sent to the user
    And the user enters the email code for 30 minutes
    Then the session has exactly these factors:
      | type | delivery_method |
      | otp  | email           |
    And the user's email is verified
