"""Microsoft Teams adapter: Adaptive Cards, the app package and (later) the Bot Framework wiring.

Only this package imports botbuilder/botframework; everything it hands back to the core is
expressed in the neutral types of `bot/`.
"""
