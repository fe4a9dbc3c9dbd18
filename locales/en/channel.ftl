## Chat channel adapters

channel-send-text = Sorry, I can only read text messages. Please type your answer, or send /menu.
