@app
Feature: The application under test signs users in with an email magic link
  The application asks Stytch to email the user a login link (a sign-up link to a new address)
  that leads to the app's redirect URL with the link's token (?stytch_token_type=magic_links&token=…).
  The app authenticates the token with the session the user already has, if any, so that the
  magic-link factor joins the factors they proved, and keeps the session Stytch returns. A page
  that needs a magic link and an SMS factor opens only when the session has both; the app makes
  the SMS step-up with the magic-link session and stores the token Stytch rotated. A link works
  once.

  Scenario: A magic link alone does not open the magic-link page
    Given a user who can receive magic links
    When the user asks for a magic link in the app
    And the user opens the magic link in the app
    Then the app asks for the second factor on the magic-link page

  Scenario: A magic link and the SMS step-up open the magic-link page
    Given a user who can receive magic links
    When the user asks for a magic link in the app
    And the user opens the magic link in the app
    And the user completes the SMS step-up in the app
    Then the app allows the magic-link page

  @requires:clock-control
  Scenario: The app keeps the token Stytch rotated when the SMS factor joined the magic-link session
    Given a user who can receive magic links
    When the user asks for a magic link in the app
    And the user opens the magic link in the app
    And the user completes the SMS step-up in the app
    And 61 seconds pass
    Then the app allows the magic-link page

  @requires:clock-control
  Scenario: The app keeps the token Stytch rotated when the magic link joined the session
    Given a user with a verified email and a password
    When the user signs in to the app
    And the user completes the SMS step-up in the app
    And the user asks for a magic link in the app
    And the user opens the magic link in the app
    And 61 seconds pass
    Then the app allows the magic-link page

  Scenario: A password and an SMS code do not open the magic-link page
    Given a user with a verified email and a password
    When the user signs in to the app
    And the user completes the SMS step-up in the app
    Then the app allows the protected page
    And the app asks for the second factor on the magic-link page

  Scenario: A magic link adds its factor to the session the user has
    Given a user with a verified email and a password
    When the user signs in to the app
    And the user completes the SMS step-up in the app
    And the user asks for a magic link in the app
    And the user opens the magic link in the app
    Then the app allows the magic-link page
    And the app allows the protected page

  @requires:read-codes
  Scenario: Someone new signs up through the app with a magic link
    Given someone with a new email address
    When the user asks for a magic link in the app
    Then the magic link is a sign-up link
    When the user opens the magic link in the app
    Then the user is active
    And the user's email is verified
    And the app asks for the second factor on the magic-link page
    When the user completes the SMS step-up in the app
    Then the app allows the magic-link page

  @requires:read-codes
  Scenario: A used magic link signs nobody in
    Given a user who can receive magic links
    When the user asks for a magic link in the app
    And the user opens the magic link in the app
    And the user signs out of the app
    Then the app refuses the same magic link
    And the app refuses the magic-link page as signed out
