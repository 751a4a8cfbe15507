@app
Feature: The application under test enforces MFA
  The application signs users in with a password, sends an SMS code with the user's session,
  submits the code with that session (Stytch adds the SMS factor to the session and rotates its
  token), stores the session token Stytch returns, and lets a page that needs MFA through only
  with both factors. These scenarios drive the reference app, or the application named by
  stytch-conform --app, through its app contract.

  Scenario: A visitor who signs up has no second factor yet
    Given a visitor signs up in the app
    Then the app asks for the second factor on the protected page

  Scenario: A password session alone does not open the protected page
    Given a user with a verified email and a password
    When the user signs in to the app
    Then the app asks for the second factor on the protected page

  Scenario: The SMS step-up opens the protected page
    Given a user with a verified email and a password
    When the user signs in to the app
    And the user completes the SMS step-up in the app
    Then the app allows the protected page

  @requires:clock-control
  Scenario: The app keeps the token Stytch rotated at the step-up
    Given a user with a verified email and a password
    When the user signs in to the app
    And the user completes the SMS step-up in the app
    And 61 seconds pass
    Then the app allows the protected page

  Scenario: Signing out closes the protected page
    Given a user with a verified email and a password
    When the user signs in to the app
    And the user completes the SMS step-up in the app
    And the user signs out of the app
    Then the app refuses the protected page as signed out
