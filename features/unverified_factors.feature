Feature: Unverified factors
  A send with a session attaches a new phone or email unverified; Stytch tolerates one
  unverified factor, and forgets it if it is not verified within 5 minutes.

  Scenario: A user whose email is unverified cannot add a phone
    Given a new user signed up with a password
    And the user signs in with their password for 60 minutes
    When an SMS code is sent to a new phone with the session token
    Then the request fails with status 400 and error "too_many_unverified_factors"

  @requires:read-codes @requires:clock-control
  Scenario: An unverified phone is removed after 5 minutes
    Given a user with a verified email and a password
    And the user signs in with their password for 60 minutes
    When an SMS code is sent to a new phone with the session token
    Then the user's phone is unverified
    When 6 minutes pass
    Then the user has no phone
